"""The one way nzc-review writes a file: whole or not at all.

Every report, summary, workbook, converted application, cache entry and marker goes through
:func:`write_atomic`: the bytes go to a temporary file in the same folder, are flushed to disk
and renamed over the target (``os.replace`` is atomic on POSIX within one file system), so a
reader never sees a half-written file and a failure leaves the old file untouched and no
temporary file behind. The new file gets the usual permissions (``0666`` less the umask, as
``open()`` would give), not the ``0600`` of a bare temporary file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from nzc_review.errors import InputError


def write_atomic(
    path: str | Path, data: str | bytes, *, make_parents: bool = True, mode: int | None = None
) -> Path:
    """Write ``data`` (text is UTF-8) to ``path`` atomically and return ``path``.

    With ``make_parents`` (the default, for folders the tool made itself) missing folders are
    created; without it a missing folder is the user's error. ``mode`` gives the file other
    permissions than the usual ones (``0o600`` for a file only its owner may read).

    Raises
    ------
    InputError
        Naming the file: its folder does not exist (``make_parents=False``), ``path`` is a
        folder, or the file system refuses the write.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if make_parents:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(str(path), f"cannot create the folder {folder}: {exc.strerror}") from None
    elif not folder.is_dir():
        raise InputError(path.name, f"the folder {folder} does not exist")
    if path.is_dir():
        raise InputError(path.name, "is a folder, expected a file name")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(path.name, f"cannot write to {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, (0o666 & ~umask) if mode is None else mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(path.name, f"cannot write: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
