"""An uploaded application file, checked before anything reads it (申报自查,
``nzc-review serve --self-check``).

The name and the bytes come from a visitor's browser and are trusted in nothing. The rules follow
the OWASP File Upload Cheat Sheet (allow-list the extensions; check the type by the content,
never by the Content-Type the browser sends; limit the size; never use the visitor's file name
as a path):

* **extension** (allow-list): ``.xlsx``, ``.yaml``, ``.yml``, ``.json`` — the readers of
  :mod:`nzc_review.intake`; an old ``.xls`` is named as such;
* **content**: an ``.xlsx`` file is a zip archive (it starts with the local-file header
  ``PK\\x03\\x04``, APPNOTE.TXT §4.3.7) whose directory lists the package's content types
  ``[Content_Types].xml`` (ECMA-376 Part 2 §10.1.2.2) and the workbook part ``xl/workbook.xml``
  (ECMA-376 Part 1 §12.3.23); an old Excel 97–2003 or encrypted workbook (an OLE compound file,
  ``D0 CF 11 E0 A1 B1 1A E1``, MS-CFB §2.2) is named as such. A YAML or JSON file is UTF-8 text
  (YAML 1.2 §5.2, RFC 8259 §8.1) without NUL bytes, and not a zip or OLE file renamed;
* **size**: not empty, and at most :attr:`UploadRules.max_bytes` (10 MiB, 本工具默认规则) and
  at most the reader's own input limit for the format (:mod:`nzc_review.limits`:
  ``xlsx_file_bytes``, ``text_file_bytes``), whichever is smaller.

Only the zip directory is read here; the workbook's own limits (parts, XML size, cells) are
checked by the reader (:func:`nzc_review.limits.check_workbook`). Every refusal is
:class:`UploadRefused`, one Chinese sentence saying what to do.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from nzc_review.errors import NzcError
from nzc_review.limits import MiB, active

__all__ = ["KINDS", "Upload", "UploadRefused", "UploadRules", "check_upload", "size_zh"]

#: The kind of file each accepted extension stands for.
KINDS: dict[str, str] = {".xlsx": "xlsx", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
#: Parts every ``.xlsx`` package holds (ECMA-376 Part 2 §10.1.2.2, Part 1 §12.3.23).
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ACCEPTED_ZH = "填好的申报模板（.xlsx），或 YAML（.yaml、.yml）、JSON（.json）格式的申报文件"


class UploadRefused(NzcError):
    """An upload that is not read: wrong type, wrong content, empty or too large. The message
    is one Chinese sentence for the visitor."""


@dataclass(frozen=True)
class UploadRules:
    """The upload limit (本工具默认规则, ``serve --self-check --max-upload-mb``): an application
    workbook is about 30 KB and a YAML file 3–6 KB, so 10 MiB leaves room for long texts while
    a wrong file (a scan, a video) is refused at once."""

    max_bytes: int = 10 * MiB


@dataclass(frozen=True)
class Upload:
    """An accepted upload: its kind (``xlsx``, ``yaml``, ``json``), the suffix to store it
    under and its size in bytes."""

    kind: str
    suffix: str
    size: int


def size_zh(size: int) -> str:
    """A size as a visitor reads it: ``850 字节``, ``12 KB``, ``10 MB`` (1 MB = 1024 KB)."""
    if size < 1024:
        return f"{size} 字节"
    if size < MiB:
        return f"{size / 1024:.0f} KB"
    return f"{size / MiB:.1f} MB".replace(".0 MB", " MB")


def _suffix(name: str) -> str:
    """The lower-case extension of the file's own name (no folders; Windows names too)."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    return PurePosixPath(base).suffix.lower()


def limit_for(kind: str, rules: UploadRules | None = None) -> int:
    """The largest upload of ``kind`` accepted: the upload limit or the reader's input limit,
    whichever is smaller."""
    rules = rules or UploadRules()
    reader = active().xlsx_file_bytes if kind == "xlsx" else active().text_file_bytes
    return min(rules.max_bytes, reader)


def check_upload(name: str, data: bytes, rules: UploadRules | None = None) -> Upload:
    """Check an uploaded file's extension, content and size.

    Raises
    ------
    UploadRefused
        with one Chinese sentence: an extension not accepted (``.xls`` named), an empty file, a
        file above :func:`limit_for`, an ``.xlsx`` that is no workbook package, a YAML or JSON
        file that is not UTF-8 text.
    """
    suffix = _suffix(name)
    if suffix == ".xls":
        raise UploadRefused("这是旧版 Excel 97–2003（.xls）文件，本页面不能读取：请在 Excel 或 WPS 中"
                            "“另存为” Excel 工作簿（.xlsx）后再上传。")
    kind = KINDS.get(suffix)
    if kind is None:
        shown = f"“{suffix}”" if suffix else "（无扩展名）"
        raise UploadRefused(f"不支持的文件类型{shown}：请上传{_ACCEPTED_ZH}。")
    if not data:
        raise UploadRefused("文件是空的（0 字节），请检查后重新上传。")
    limit = limit_for(kind, rules)
    if len(data) > limit:
        raise UploadRefused(f"文件过大（{size_zh(len(data))}），本页面最多接受 {size_zh(limit)}"
                            "（本工具默认规则）。申报模板通常只有几十 KB，请检查是否选错了文件，"
                            "或删除工作簿中的图片和多余的工作表后再上传。")
    if kind == "xlsx":
        _check_workbook(data)
    else:
        _check_text(data, suffix)
    return Upload(kind=kind, suffix=".yaml" if kind == "yaml" else suffix, size=len(data))


def _check_workbook(data: bytes) -> None:
    if data.startswith(_OLE_MAGIC):
        raise UploadRefused("这是旧版 Excel 97–2003 工作簿或设置了密码的工作簿，本页面不能读取：请在 "
                            "Excel 或 WPS 中取消密码，并“另存为” Excel 工作簿（.xlsx）后再上传。")
    if not data.startswith(_ZIP_MAGIC):
        raise UploadRefused("文件扩展名是 .xlsx，但内容不是 Excel 工作簿（.xlsx 文件是 zip 压缩格式）："
                            "请在 Excel、WPS 或 LibreOffice 中打开申报模板，另存为 .xlsx 后再上传。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except Exception:  # noqa: BLE001 - zipfile fails in many ways on a damaged archive
        raise UploadRefused("文件已损坏，无法作为 Excel 工作簿打开（zip 压缩包不完整）：请重新保存"
                            "申报模板后再上传。") from None
    if not all(part in names for part in WORKBOOK_PARTS):
        raise UploadRefused("文件是 zip 压缩包，但不是 Excel 工作簿（缺少工作簿内容 xl/workbook.xml）："
                            "请上传用 Excel、WPS 或 LibreOffice 保存的申报模板（.xlsx）。")


def _check_text(data: bytes, suffix: str) -> None:
    label = "YAML" if suffix in (".yaml", ".yml") else "JSON"
    if data.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise UploadRefused(f"文件扩展名是 {suffix}，但内容是压缩包或 Excel 工作簿：如果这是填好的"
                            "申报模板，请将扩展名改为 .xlsx 后再上传。")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(f"文件扩展名是 {suffix}，但内容不是 UTF-8 编码的文本：请用文本编辑器以 "
                            f"UTF-8 编码保存 {label} 文件后再上传。") from None
    if "\x00" in text:
        raise UploadRefused(f"文件扩展名是 {suffix}，但内容含有二进制数据，不是 {label} 文本："
                            "请检查是否选错了文件。")
