"""Where report files may be written, and what may be replaced: the output-folder rules of every
command that writes a folder of results (``batch``, ``report``, ``accept``/``disclose``/
``monitor`` with ``--out``, the chair's dashboard).

Rules (each raises :class:`OutputPathError`, a :class:`~nzc_review.errors.NzcError`):

* a report folder ``OUT/<name>/`` is proven to be a direct child of the output folder after
  resolving every link: no ``.``/``..``, no separator, no symbolic link at the target
  (OWASP Path Traversal; CWE-22, CWE-59);
* the output folder is not an input folder, nor inside one, nor the folder of an input file:
  outputs never mix with, or are read back as, inputs;
* nothing the tool did not create is removed or overwritten. Every folder and top-level file
  the tool writes is listed in a marker file :data:`MARKER` next to it; a report folder is
  built in a new hidden work folder inside ``OUT`` and swapped in only when complete, and an
  earlier report folder is replaced only when it holds nothing but files the marker lists,
  all of the same report kind (CWE-73, external control of file name or path).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

from nzc_review.errors import NzcError
from nzc_review.files.atomic import write_atomic

#: The marker file listing what nzc-review wrote in a folder (one name a line).
MARKER = ".nzc-output"
_HEADER = "# nzc-review 输出标记：以下文件由 nzc-review 写入，可由 nzc-review 替换\n"
#: Prefix of the hidden work folders inside the output folder (removed when a job ends).
WORK_PREFIX = ".work-"


class OutputPathError(NzcError):
    """An output path that would escape the output folder or destroy files not made here."""


def _listing(names: Iterable[str]) -> str:
    names = sorted(names)
    return "、".join(names[:3]) + ("等" if len(names) > 3 else "")


def prepare_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The output folder, resolved and created; refused when it exists and is not a folder."""
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"{out}: 输出位置已存在且不是文件夹，请另选输出文件夹")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputPathError(f"{out}: 无法创建输出文件夹（{exc.strerror or exc}）") from None
    return out


def child_path(out_dir: Path, name: str) -> Path:
    """``out_dir/name``, proven to be a direct child of ``out_dir`` (OWASP Path Traversal).

    ``name`` must be a single path component other than ``.`` and ``..``, and the child
    must not be a symbolic link: resolved, it is exactly ``out_dir/name``.
    """
    out = Path(out_dir).resolve()
    bad = (not name or name in {".", ".."} or "/" in name or "\\" in name or "\0" in name
           or Path(name).is_absolute())
    child = out / name
    if bad or child.is_symlink() or child.resolve() != child or child.parent != out:
        raise OutputPathError(f"{out}: 名称 {name!r} 不能用作输出文件夹中的文件或文件夹名"
                              "（须为单一名称，不得为 . 或 ..，不得含路径分隔符或符号链接）")
    return child


def check_out_not_in_inputs(
    out_dir: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]],
    *,
    allowed: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Refuse an output folder equal to or inside an input folder, or equal to the folder of
    an input file (outputs would mix with the inputs and be read back as inputs).

    ``allowed`` lists output folders accepted even inside an input folder (e.g. the review
    session's own ``reports/`` folder).
    """
    out = Path(out_dir).resolve()
    if out in {Path(a).resolve() for a in allowed}:
        return
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            folder = path.resolve()
            clash = out == folder or folder in out.parents
        else:
            folder = path.resolve().parent
            clash = out == folder
        if clash:
            raise OutputPathError(
                f"输出文件夹 {out} 与输入 {path}（{folder}）重叠：输出文件夹不能是输入文件夹或其"
                "子文件夹，也不能是输入文件所在的文件夹；请另选输出文件夹"
            )


def written_names(folder: Path) -> set[str] | None:
    """The names :data:`MARKER` in ``folder`` lists, or ``None`` without a (regular) marker."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        text = marker.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


def _write_marker(folder: Path, names: Iterable[str]) -> None:
    write_atomic(folder / MARKER, _HEADER + "".join(f"{n}\n" for n in sorted(set(names))))


def replace_problem(target: Path, stem: str) -> str | None:
    """Why the report folder ``target`` (of report files ``<stem>.*``) may not be replaced, or
    ``None`` when it may: it does not exist, or it is a real folder whose marker lists every
    file in it and every file is a ``<stem>.*`` report file."""
    if not os.path.lexists(target):
        return None
    if target.is_symlink() or not target.is_dir():
        return (f"{target}: 已存在且不是 nzc-review 生成的报告文件夹（文件或符号链接），"
                "不会删除或替换；请另选输出文件夹")
    entries = sorted(p.name for p in target.iterdir() if p.name != MARKER)
    written = written_names(target)
    if written is None:
        held = f"（内有 {_listing(entries)}）" if entries else "（空文件夹）"
        return (f"{target}: 已存在但不是 nzc-review 生成的{held}，缺少 {MARKER} 标记，"
                "不会删除或替换；请另选输出文件夹或自行清理")
    foreign = [n for n in entries
               if n not in written or (target / n).is_symlink() or not (target / n).is_file()]
    if foreign:
        return (f"{target}: 含有不是 nzc-review 写入的文件（{_listing(foreign)}），"
                "不会删除或替换；请另选输出文件夹或移走这些文件")
    other = [n for n in entries if not n.startswith(f"{stem}.")]
    if other:
        return (f"{target}: 含有另一种报告（{_listing(other)}），写入 {stem} 报告会删除它；"
                "请另选输出文件夹")
    return None


def report_dir(out_dir: Path, name: str, stem: str) -> Path:
    """The report folder ``out_dir/name`` for ``<stem>.*`` files, proven safe to (re)write."""
    target = child_path(out_dir, name)
    problem = replace_problem(target, stem)
    if problem:
        raise OutputPathError(problem)
    return target


def new_work_dir(out_dir: Path) -> Path:
    """A new, empty hidden work folder inside ``out_dir`` (only this caller uses it)."""
    return Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=out_dir))


def publish_dir(work: Path, target: Path, stem: str) -> None:
    """Mark the finished ``work`` folder and swap it in at ``target``.

    An earlier report at ``target`` is moved aside and removed only after the check of
    :func:`replace_problem`; if the swap fails, it is put back and ``work`` is left for the
    caller to remove.
    """
    _write_marker(work, (p.name for p in work.iterdir() if p.name != MARKER))
    problem = replace_problem(target, stem)
    if problem:
        raise OutputPathError(problem)
    old = None
    if os.path.lexists(target):
        old = target.parent / f".old-{uuid.uuid4().hex}"
        target.rename(old)
    try:
        work.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_output_files(out_dir: Path, names: Iterable[str]) -> None:
    """Refuse to (over)write top-level files of ``out_dir`` the tool did not write: each of
    ``names`` must be new, or a regular file the folder's marker lists."""
    written = written_names(out_dir) or set()
    problems = []
    for name in names:
        path = child_path(out_dir, name)
        if not os.path.lexists(path):
            continue
        if path.is_symlink() or not path.is_file() or name not in written:
            problems.append(name)
    if problems:
        raise OutputPathError(
            f"{out_dir}: 已有不是 nzc-review 写入的 {_listing(problems)}，不会覆盖；"
            "请另选输出文件夹或移走这些文件"
        )


def record_output_files(out_dir: Path, names: Iterable[str]) -> None:
    """Add ``names`` to the marker of ``out_dir`` (files the tool wrote there)."""
    _write_marker(out_dir, (written_names(out_dir) or set()) | set(names))


def write_output_file(out_dir: Path, name: str, data: str | bytes) -> Path:
    """Write the top-level file ``out_dir/name`` atomically, after :func:`check_output_files`,
    and record it in the marker."""
    check_output_files(out_dir, [name])
    record_output_files(out_dir, [name])
    return write_atomic(child_path(out_dir, name), data)
