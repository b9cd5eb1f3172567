"""Personal access tokens: generated once, shown once, stored only as a hash.

Choice of hash: a token is ``secrets.token_urlsafe(24)``, 192 random bits. Slow salted key
derivation (scrypt, PBKDF2) protects *low-entropy* secrets such as passwords against
guessing; against 192 random bits guessing is hopeless with any hash, so one SHA-256 is as
safe here. SHA-256 without a per-token salt is also deterministic, which lets
:meth:`authenticate` find the expert with one indexed lookup (``token_hash`` is
``UNIQUE``) instead of running a slow KDF against every expert. The database therefore never
holds a usable token: a copy of the file (or an export, which carries no hashes) does not let
anyone sign in. Tokens the operator makes up by hand are refused (:func:`check_token_shape`).
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = [
    "DEFAULT_BASE_URL",
    "EXPERT_PAGE",
    "TOKEN_BYTES",
    "check_token_shape",
    "hash_token",
    "new_token",
    "personal_link",
]

#: Random bytes in a token (``secrets.token_urlsafe(24)`` → 32 characters).
TOKEN_BYTES = 24
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def new_token() -> str:
    """A fresh personal access token (URL-safe, 192 random bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The lookup hash stored for a token: SHA-256 hex of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token_shape(token: object) -> bool:
    """Whether ``token`` looks like one of ours (32 URL-safe characters)."""
    return isinstance(token, str) and len(token) == 4 * TOKEN_BYTES // 3 and set(token) <= _ALPHABET


#: Where the Voila server runs by default (``voila --port 8866``).
DEFAULT_BASE_URL = "http://127.0.0.1:8866"
#: The expert's review page, relative to the base URL.
EXPERT_PAGE = "voila/render/expert_review.ipynb"


def personal_link(token: str, base_url: str = DEFAULT_BASE_URL, page: str = EXPERT_PAGE) -> str:
    """The personal link of an expert: ``{base_url}/{page}?token=…``.

    ``base_url`` may also be a full page URL (ending in ``.ipynb``), used as is.
    """
    from urllib.parse import quote

    base = base_url.rstrip("/")
    url = base if base.endswith(".ipynb") else f"{base}/{page.lstrip('/')}"
    return f"{url}?token={quote(token, safe='')}"
