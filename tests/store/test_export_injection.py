"""Formula injection: every workbook and CSV the tool writes keeps people's text as text.

A text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by spreadsheet programs (OWASP, CSV Injection). The tests put such texts into every field a
person types (names, opinions, evidence, file names) and check each written workbook: no cell
is a formula (openpyxl and the raw sheet XML), every such text is quote-prefixed, and the text
reads back unchanged. One test opens the workbooks with LibreOffice.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.files.excel_safety import (
    FORMULA_TRIGGERS,
    append_row,
    csv_row,
    csv_value,
    formula_like,
    set_cell,
    workbook_bytes,
)
from nzc_review.intake import load_application
from nzc_review.lifecycle.excel import read_workbook
from nzc_review.lifecycle.excel import write_workbook as write_lifecycle_workbook
from nzc_review.meeting.opinion.session import write_session_summary
from nzc_review.runner.batch import AppResult, BatchReport, summary_xlsx
from nzc_review.store import Actor, create_session
from tests.conftest import EXAMPLES, ROOT
from tests.fixtures.applications import FAST_DUMPER, application, read_yaml
from tests.fixtures.office import convert

#: Texts a spreadsheet would evaluate (OWASP, CSV Injection), one per trigger character.
HOSTILE = ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1")
#: The ones without surrounding white space (fields that are stripped keep them whole).
HOSTILE_STRIPPED = HOSTILE[:4]
FORMULA_XML = re.compile(rb"<(?:\w+:)?f[\s>/]")


# --- checks shared by every workbook ------------------------------------------------------------


def formulas(path: Path) -> list[str]:
    """Every formula in the workbook: ``<f>`` elements in the sheet XML, and cells openpyxl
    reads as formulas."""
    found = []
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and FORMULA_XML.search(book.read(name)):
                found.append(name)
    wb = openpyxl.load_workbook(path)
    found += [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    return found


def hostile_cells(path: Path) -> dict[str, list[str]]:
    """Sheet → the values of its cells that begin with a formula trigger; asserts each is a
    quote-prefixed string cell."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, list[str]] = {}
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
                    where = f"{path.name}: {ws.title}!{cell.coordinate}"
                    assert cell.data_type == "s", where
                    assert cell.quotePrefix, where
                    out.setdefault(ws.title, []).append(cell.value)
    return out


def assert_safe(path: Path, expected: dict[str, set[str]]) -> dict[str, list[str]]:
    """No formula in ``path``; each sheet holds (at least) the ``expected`` hostile texts,
    unchanged."""
    assert formulas(path) == [], path.name
    cells = hostile_cells(path)
    for sheet, texts in expected.items():
        missing = texts - set(cells.get(sheet, []))
        assert not missing, f"{path.name}: {sheet} lacks {sorted(missing)}"
    return cells


# --- the helpers themselves ---------------------------------------------------------------------


def test_formula_like_and_csv_value_follow_owasp():
    for text in HOSTILE:
        assert formula_like(text), repr(text)
        assert csv_value(text) == "'" + text
    for value in ("1+1", " =1", "'=1", "项目=1", "", -2, -2.5, 0, True, None):
        assert not formula_like(value), repr(value)
        assert csv_value(value) == value  # numbers, negative ones too, stay numbers
    assert csv_row({"a": "=1", "b": -1, "c": "x"}) == {"a": "'=1", "b": -1, "c": "x"}


def test_cells_are_text_numbers_stay_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    append_row(ws, [*HOSTILE, -5, 2.5, "普通文本", None, True])
    set_cell(ws, 2, 1, "#N/A")  # openpyxl alone would write an error cell
    set_cell(ws, 2, 2, "=HYPERLINK(\"http://example.invalid\",\"点击\")")
    append_row(ws, [])
    path = tmp_path / "t.xlsx"
    path.write_bytes(workbook_bytes(wb))
    assert formulas(path) == []
    back = openpyxl.load_workbook(path).active
    first = [c.value for c in back[1]]
    assert first == [*HOSTILE, -5, 2.5, "普通文本", None, True]  # "\r" kept, not turned into "\n"
    assert [back.cell(1, c).data_type for c in (7, 8, 9)] == ["n", "n", "s"]
    # quote-prefixed: the six hostile texts; not the numbers nor ordinary text
    assert [back.cell(1, c).quotePrefix for c in range(1, 10)] == [True] * 6 + [False] * 3
    assert (back["A2"].value, back["A2"].data_type) == ("#N/A", "s")
    assert back["B2"].value.startswith("=HYPERLINK") and back["B2"].quotePrefix


# --- the review session: scores.xlsx, summary.xlsx, public_notice.xlsx, session export -----------

APP = "HC-2024-YQ-001"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A finalized session whose every typed text is hostile; the summary files written."""
    root = tmp_path_factory.mktemp("inject")
    op = Actor.operator("tester")
    criteria = ["=A1", "+B1", "-C1", "@D1", "特色亮点", "保障措施"]
    store = create_session(
        root / "meeting",
        name="=1+1",
        batch="@batch",
        date="2024-05-20",
        rules={"expert_display": "names", "chair_scores": True},
        criteria=[{"id": f"c{i}", "name": n, "weight": 1} for i, n in enumerate(criteria, 1)],
        actor=op,
    )
    actors = []
    for i, name in enumerate(HOSTILE_STRIPPED):
        new = store.add_expert(
            op, name=name, organisation=f"-单位{i}", title="@职称", field="+专业", county="=县"
        )
        actors.append(store.authenticate(new.token))
    chair = store.authenticate(store.add_expert(op, name="=组长", organisation="科学院",
                                                role="chair").token)
    app = application(APP, "park", "=1+1管委会", "+宜州区", name="\t=1 园区")
    store.import_application(op, app, content_sha256="1" * 64, source_name="=park.yaml")
    store.assign(op)
    opinion = {"strengths": HOSTILE[0], "problems": HOSTILE[5], "revisions": HOSTILE[4],
               "recommendation": "recommend"}
    for actor in (*actors, chair):
        store.save_draft(actor, APP, scores={f"c{i}": 80 for i in range(1, 7)}, opinion=opinion)
        store.submit(actor, APP)
    store.set_consensus(chair, APP, opinion="=1+1", recommendation="recommend",
                        majority="+SUM(A1)", minority="\r=1")
    store.finalize(chair, APP, note="@cmd")
    out = root / "out"
    write_session_summary(store, op, out)
    store.close()
    return root / "meeting", out


def test_scores_workbook_keeps_every_text(session):
    _, out = session
    assert_safe(
        out / "scores.xlsx",
        {
            "评审会": {"=1+1", "@batch", "=A1", "+B1", "-C1", "@D1"},
            "评分": {*HOSTILE_STRIPPED, "=组长", "\t=1 园区", "=A1", "@D1"},
            "权重": {*HOSTILE_STRIPPED, "-C1"},
            "评审意见": {*HOSTILE_STRIPPED, "=1+1", "\t=1", "\r=1"},
            "专家组意见": {"\t=1 园区", "=1+1", "+SUM(A1)", "\r=1", "@cmd"},
            "专家": {*HOSTILE_STRIPPED, "-单位0", "@职称", "+专业", "=县"},
            "申报": {"\t=1 园区", "=1+1管委会", "+宜州区", "=park.yaml"},
        },
    )


def test_summary_and_notice_workbooks(session):
    _, out = session
    notice = {"\t=1 园区", "=1+1管委会", "+宜州区"}
    assert_safe(out / "summary.xlsx", {"排名": notice - {"+宜州区"}, "公示名单": notice})
    assert_safe(out / "public_notice.xlsx", {"公示名单": notice})


def test_session_export_command(session, tmp_path, capsys):
    meeting, _ = session
    target = tmp_path / "export.xlsx"
    assert main(["session", "export", str(meeting), str(target)]) == 0, capsys.readouterr().err
    assert_safe(target, {"评分": {*HOSTILE_STRIPPED}, "评审意见": {"\t=1", "\r=1"}})


@pytest.mark.slow
@pytest.mark.requires_libreoffice
def test_libreoffice_shows_the_text_not_the_result(session, tmp_path):
    _, out = session
    result = convert(
        [out / "scores.xlsx", out / "public_notice.xlsx"],
        # CSV filter options: comma, ", UTF-8, from row 1, …, the last -1 = every sheet
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
        tmp_path / "csv", tmp_path / "home")
    assert result.returncode == 0, result.stderr

    def rows(name: str) -> list[dict[str, str]]:
        text = (tmp_path / "csv" / name).read_text(encoding="utf-8")
        return list(csv.DictReader(io.StringIO(text)))

    scores = rows("scores-评分.csv")
    assert [r["专家姓名"] for r in scores] == [*HOSTILE_STRIPPED, "=组长"]
    assert {r["=A1"] for r in scores} == {"80"}  # headers stay text, numbers stay numbers
    assert "2" not in {r["专家姓名"] for r in scores}
    opinions = rows("scores-评审意见.csv")
    assert {r["主要优点"] for r in opinions} == {"=1+1"}
    (notice,) = rows("public_notice-公示名单.csv")
    assert (notice["申报名称"], notice["申报单位"], notice["所在县（市、区）"]) == (
        "\t=1 园区",
        "=1+1管委会",
        "+宜州区",
    )


# --- batch summary.xlsx -------------------------------------------------------------------------


def test_batch_summary_workbook(tmp_path):
    report = BatchReport(
        out_dir=str(tmp_path),
        results=[
            AppResult(source="/in/=1+1.yaml", id="-YQ-1", name="=1+1", pilot_type="park",
                      status="ok", verdict="@cmd", projected_reduction_pct=-2.5,
                      outputs={"html": "-YQ-1/evaluation.html", "pdf": "-YQ-1/evaluation.pdf"}),
            AppResult(source="/in/+SUM(A1).xlsx", status="failed", reason="\r=1 原因"),
            AppResult(source="/in/b.yaml", name="\t=1", status="skipped", reason="@重复"),
        ],
        seconds=1.0,
    )
    path = tmp_path / "summary.xlsx"
    path.write_bytes(summary_xlsx(report))
    assert_safe(path, {"评估汇总": {"=1+1.yaml", "-YQ-1", "=1+1", "@cmd", "-YQ-1/evaluation.html",
                                    "-YQ-1/evaluation.pdf", "+SUM(A1).xlsx", "\r=1 原因", "\t=1",
                                    "@重复"}})
    ws = openpyxl.load_workbook(path)["评估汇总"]
    assert ws["H2"].value == -2.5 and ws["H2"].data_type == "n"  # a negative number stays one
    assert ws["K2"].hyperlink.target == "-YQ-1/evaluation.html"


# --- application workbooks: convert YAML → xlsx → YAML ----------------------------------------


def test_application_convert_round_trip_is_lossless(tmp_path, capsys):
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["name"] = "=1+1"
    data["applicant"].update(organization="+SUM(A1)", contact="-2+3")
    data["key_projects"][0].update(name="@cmd", content="=HYPERLINK(\"http://x\",\"y\")")
    data["key_projects"][1]["content"] = "实施\r=1 计划"  # a carriage return inside a text
    data["schedule"][min(data["schedule"])][0] = "-2+3 完成"
    data["indicators"]["YQ-13"]["evidence"] = "=1+1 文件"
    data["proofs"] = {kind: ["=1+1.pdf", "@附件.pdf"] for kind in list(data["proofs"])[:1]}
    source = tmp_path / "app.yaml"
    source.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    app = load_application(source)
    xlsx, back = tmp_path / "app.xlsx", tmp_path / "back.yaml"
    assert main(["convert", str(source), str(xlsx)]) == 0, capsys.readouterr().err
    assert main(["convert", str(xlsx), str(back)]) == 0, capsys.readouterr().err
    assert load_application(back) == app
    assert load_application(back).name == "=1+1"
    assert_safe(xlsx, {"基本信息": {"=1+1", "+SUM(A1)", "-2+3"},
                       "重点项目": {"@cmd", "=HYPERLINK(\"http://x\",\"y\")"},
                       "进度安排": {"-2+3 完成"}, "指标": {"=1+1 文件"},
                       "证明材料": {"=1+1.pdf", "@附件.pdf"}})


def test_application_workbook_keeps_leading_white_space_texts_as_text(tmp_path):
    # texts are read back stripped (the workbook's canonical form); the cells hold them whole
    data = read_yaml(EXAMPLES / "park-pass.yaml")
    data["key_projects"][0].update(content="\t=1", owner="\r=1")
    source = tmp_path / "app.yaml"
    source.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    xlsx = tmp_path / "app.xlsx"
    assert main(["convert", str(source), str(xlsx)]) == 0
    assert_safe(xlsx, {"重点项目": {"\t=1", "\r=1"}})


def test_template_has_no_formula(tmp_path):
    path = tmp_path / "t.xlsx"
    assert main(["template", "--type", "campus", str(path)]) == 0
    assert formulas(path) == []
    assert "-" in hostile_cells(path)["指标"]  # the table's unit "-", quote-prefixed as well


# --- lifecycle workbooks ------------------------------------------------------------------------


def test_lifecycle_workbook_round_trip(tmp_path):
    path = ROOT / "examples" / "lifecycle" / "acceptance" / "park-accepted.yaml"
    data = read_yaml(path)
    data["summary"] = "=1+1"
    data["achieved"]["YQ-13"]["evidence"] = "+SUM(A1)"
    data["key_projects"][0]["name"] = "-2+3"
    data["disclosures"][min(data["disclosures"])] = "@cmd"
    book = write_lifecycle_workbook(data, tmp_path / "acc.xlsx")
    assert read_workbook(book) == data
    assert_safe(book, {"基本信息": {"=1+1"}})
    assert sum(map(len, hostile_cells(book).values())) == 4


# --- CSV output of the command line -------------------------------------------------------------


def test_catalog_csv_quotes_leading_minus(capsys):
    assert main(["catalog", "--type", "campus", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    units = {r["code"]: r["unit"] for r in rows}
    assert units["XY-03"] == "'-"  # the table's "-" (no unit), quoted per OWASP
    assert not any(v.startswith(FORMULA_TRIGGERS) for r in rows for v in r.values())


def test_factors_csv_quotes_user_text(tmp_path, capsys):
    override = tmp_path / "mine.csv"
    override.write_text(
        "key,scope,year,value,unit,region,source,note\n"
        'grid_electricity,guangxi,2022,0.4044,tCO2/MWh,=1+1,"=HYPERLINK(""http://x"",""y"")",@cmd\n',
        encoding="utf-8",
    )
    assert main(["factors", "--format", "csv", "--factors", str(override)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    (mine,) = [r for r in rows if r["origin"].startswith("mine.csv")]
    assert (mine["region"], mine["source"], mine["note"]) == (
        "'=1+1",
        "'=HYPERLINK(\"http://x\",\"y\")",
        "'@cmd",
    )
    assert mine["value"] == "0.4044"
    assert not any(v.startswith(FORMULA_TRIGGERS) for r in rows for v in r.values())
