"""An uploaded file is checked by extension, content and size before anything reads it
(nzc_review.intake.upload; OWASP File Upload Cheat Sheet)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from nzc_review.intake.upload import (
    UploadRefused,
    UploadRules,
    check_upload,
    limit_for,
    size_zh,
)
from nzc_review.limits import MiB, override
from tests.conftest import EXAMPLES

CJK = re.compile(r"[\u4e00-\u9fff]")


def _refusal(name: str, data: bytes, rules: UploadRules | None = None) -> str:
    with pytest.raises(UploadRefused) as info:
        check_upload(name, data, rules)
    text = str(info.value)
    assert CJK.search(text) and "Traceback" not in text
    return text


def test_the_example_workbook_and_yaml_are_accepted_by_kind():
    xlsx = (EXAMPLES / "park-pass.xlsx").read_bytes()
    assert check_upload("园区申报.XLSX", xlsx).kind == "xlsx"
    text = (EXAMPLES / "park-pass.yaml").read_bytes()
    accepted = check_upload("C:\\Users\\张工\\申报.yml", text)
    assert (accepted.kind, accepted.suffix, accepted.size) == ("yaml", ".yaml", len(text))
    assert check_upload("app.json", json.dumps({"id": "x"}).encode()).kind == "json"


@pytest.mark.parametrize("name, expected", [
    ("申报.xls", "旧版 Excel 97–2003"),
    ("申报.docx", "不支持的文件类型“.docx”"),
    ("申报", "（无扩展名）"),
    ("report.pdf", "不支持的文件类型“.pdf”"),
])
def test_an_extension_not_on_the_list_is_refused_in_chinese(name, expected):
    assert expected in _refusal(name, b"anything")


def test_an_empty_file_is_refused():
    assert "文件是空的" in _refusal("a.xlsx", b"")


def test_a_file_above_the_limit_is_refused_with_both_sizes():
    rules = UploadRules(max_bytes=1000)
    text = _refusal("a.yaml", b"x" * 1001, rules)
    assert "文件过大（1001 字节）" in text and "最多接受 1000 字节" in text
    check_upload("a.yaml", b"id: x\n" * 100, rules)  # 600 bytes pass


def test_the_limit_is_also_the_readers_own_input_limit():
    with override(text_file_bytes=2000):
        assert limit_for("yaml", UploadRules(max_bytes=10 * MiB)) == 2000
        assert "最多接受 2 KB" in _refusal("a.json", b" " * 2001)
    assert limit_for("xlsx") == 10 * MiB


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_an_xlsx_must_be_a_zip_holding_the_workbook_parts():
    assert "内容不是 Excel 工作簿" in _refusal("a.xlsx", b"id: not a workbook\n")
    assert "旧版 Excel 97–2003 工作簿或设置了密码" in _refusal(
        "a.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    docx = _zip(["[Content_Types].xml", "word/document.xml"])
    assert "缺少工作簿内容 xl/workbook.xml" in _refusal("a.xlsx", docx)
    assert "zip 压缩包不完整" in _refusal("a.xlsx", b"PK\x03\x04" + b"\0" * 200)
    check_upload("a.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml"]))


def test_yaml_and_json_must_be_utf8_text_and_not_a_renamed_workbook():
    workbook = (EXAMPLES / "park-pass.xlsx").read_bytes()
    assert "请将扩展名改为 .xlsx" in _refusal("a.yaml", workbook)
    assert "不是 UTF-8 编码的文本" in _refusal("a.json", "申报".encode("gbk"))
    assert "含有二进制数据" in _refusal("a.yaml", b"id: x\n\x00\x01")
    check_upload("a.yaml", "\ufeffid: 测试\n".encode())  # a BOM is fine


def test_sizes_read_as_a_visitor_reads_them():
    assert [size_zh(n) for n in (850, 30 * 1024, 10 * MiB, 11 * MiB + MiB // 2)] == [
        "850 字节", "30 KB", "10 MB", "11.5 MB"]
