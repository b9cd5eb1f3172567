"""The panel as ``nzc-review expert list`` prints it and as the exported workbook's 专家 sheet
holds it: the same cells, from one function (:func:`nzc_review.store.export.expert_row`)."""

from __future__ import annotations

from io import StringIO

import openpyxl
from rich.console import Console

from nzc_review.cli.commands import session as session_cmd
from nzc_review.cli.main import main


def test_expert_list_and_the_sheet_show_the_same_cells(tmp_path, monkeypatch, capsys):
    d = str(tmp_path / "s")
    assert main(["session", "create", d, "--name", "评审会"]) == 0
    assert main(["expert", "add", d, "--name", "张三", "--org", "广西大学", "--role", "expert",
                 "--title", "教授", "--field", "能源", "--county", "宜州区"]) == 0
    assert main(["expert", "add", d, "--name", "赵六", "--org", "广西科学院", "--role", "chair"]) == 0
    capsys.readouterr()

    out = StringIO()
    monkeypatch.setattr(session_cmd, "console", lambda: Console(file=out, width=400))
    assert main(["expert", "list", d]) == 0
    listed = [
        [cell.strip() for cell in line.strip().strip("│").split("│")]
        for line in out.getvalue().splitlines()
        if line.startswith("│")
    ]
    xlsx = tmp_path / "out.xlsx"
    assert main(["session", "export", d, str(xlsx)]) == 0
    sheet = [
        ["" if v is None else str(v) for v in row]
        for row in openpyxl.load_workbook(xlsx)["专家"].iter_rows(min_row=2, values_only=True)
    ]
    assert [row[1:] for row in listed] == sheet  # the list adds the id in front
    assert [row[0] for row in listed] == ["1", "2"]
    assert sheet == [
        ["专家A", "张三", "广西大学", "教授", "能源", "宜州区", "专家", "是"],
        ["组长", "赵六", "广西科学院", "", "", "", "组长", "是"],
    ]
