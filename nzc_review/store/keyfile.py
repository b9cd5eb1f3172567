"""The audit key file: 32 random bytes, hex, readable by its owner only, kept outside the
database.

Where it is (first that applies): the ``audit_key`` option of :func:`nzc_review.store.open_store`
(``--audit-key`` on the command line), the environment variable :data:`KEY_ENV`, else
``SESSION_DIR/audit.key``.

The trade-off (本工具默认规则, configurable): in the session folder the key travels with the
database, so the audit trail detects edits made to ``review.sqlite`` alone (a copy sent by
mail, an edit with a database tool) but not by someone who holds the whole folder. On another
medium (a USB key the secretary keeps, a folder of another account) nobody holding only the
session folder can recompute a hash; but every process that *writes* the session (the
``nzc-review`` commands, ``nzc-review serve`` and its panels) needs the key, so the medium
must be there during the meeting. Reading needs no key. In every case the head written on the
signed opinions (``nzc-review audit verify --head``) proves the trail independently of the key.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from nzc_review.store.errors import StoreError

__all__ = ["KEY_BYTES", "KEY_ENV", "KEY_NAME", "create_key", "key_path", "read_key", "too_open"]

#: The key file inside a session folder (the default place).
KEY_NAME = "audit.key"
#: Environment variable naming the key file instead (another medium).
KEY_ENV = "NZC_REVIEW_AUDIT_KEY"
#: Random bytes in a key (the output size of SHA-256, RFC 2104 §3).
KEY_BYTES = 32


def key_path(
    session_dir: str | os.PathLike[str], override: str | os.PathLike[str] | None = None
) -> Path:
    """Where the key of the session in ``session_dir`` is: ``override``, else
    ``$NZC_REVIEW_AUDIT_KEY``, else ``session_dir/audit.key``."""
    chosen = override or os.environ.get(KEY_ENV) or None
    return Path(chosen).expanduser() if chosen else Path(session_dir) / KEY_NAME


def read_key(path: Path) -> bytes | None:
    """The key in ``path``; ``None`` when there is no such file.

    Raises
    ------
    StoreError
        The file cannot be read or does not hold a key.
    """
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "不是文本文件"
        raise StoreError(f"{path}: 无法读取审计密钥文件（{reason}）") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreError(f"{path}: 不是审计密钥文件（应为 {KEY_BYTES * 2} 位十六进制数）")
    return key


def create_key(path: Path) -> tuple[bytes, bool]:
    """Create a key file at ``path`` (mode 0600), unless one is there already.

    The file is written under a temporary name and linked into place, so a reader never
    sees half a key and two processes creating it at once end up with the same key.

    Returns
    -------
    (key, created)
        ``created`` is false when the file already existed (its key is returned).

    Raises
    ------
    StoreError
        The folder does not exist or is not writable.
    """
    existing = read_key(path)
    if existing is not None:
        return existing, False
    key = secrets.token_bytes(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.creating-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (key.hex() + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:  # made by another process meanwhile: use theirs
            theirs = read_key(path)
            if theirs is None:  # pragma: no cover - removed again at once
                raise StoreError(f"{path}: 审计密钥文件刚被创建又被删除") from None
            return theirs, False
    except OSError as exc:
        raise StoreError(f"{path}: 无法创建审计密钥文件（{exc.strerror or exc}）") from None
    finally:
        tmp.unlink(missing_ok=True)
    return key, True


def too_open(path: Path) -> bool:
    """The key file can be read by others than its owner (group or world bits set)."""
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False
