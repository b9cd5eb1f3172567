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
    "CHAIR_PAGE",
    "DEFAULT_BASE_URL",
    "EXPERT_PAGE",
    "EXPLORER_PAGE",
    "ROLE_PAGES",
    "TOKEN_BYTES",
    "check_token_shape",
    "hash_token",
    "new_token",
    "personal_link",
    "role_links",
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
#: The chair's dashboard (the secretary's progress view), relative to the base URL.
CHAIR_PAGE = "voila/render/chair_dashboard.ipynb"
#: The explorer (候选项目分析), relative to the base URL.
EXPLORER_PAGE = "voila/render/explorer.ipynb"
#: The pages a person of each role opens with their token, their own page first: the
#: expert their review form, the chair the dashboard and the explorer, the secretary the
#: dashboard (progress; results once finalized), the analyst the explorer.
ROLE_PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "expert": (("专家评审 expert review", EXPERT_PAGE),),
    "chair": (("组长看板 chair dashboard", CHAIR_PAGE), ("候选项目分析 explorer", EXPLORER_PAGE)),
    "secretary": (("评审进度看板 progress dashboard", CHAIR_PAGE),),
    "analyst": (("候选项目分析 explorer", EXPLORER_PAGE),),
}


def personal_link(token: str, base_url: str = DEFAULT_BASE_URL, page: str = EXPERT_PAGE) -> str:
    """The personal link of an expert: ``{base_url}/{page}?token=…``.

    ``base_url`` may also be a full page URL (ending in ``.ipynb``), used as is.
    """
    from urllib.parse import quote

    base = base_url.rstrip("/")
    url = base if base.endswith(".ipynb") else f"{base}/{page.lstrip('/')}"
    return f"{url}?token={quote(token, safe='')}"


def role_links(token: str, role: str, base_url: str = DEFAULT_BASE_URL) -> list[tuple[str, str]]:
    """``(label, link)`` of every page a person of ``role`` opens (:data:`ROLE_PAGES`), their
    own page first.

    ``base_url`` may be a full page URL (ending in ``.ipynb``): an expert's link is then that
    URL as is, and the other roles' pages are found next to it.
    """
    base = base_url.rstrip("/")
    pages = ROLE_PAGES.get(role, ROLE_PAGES["expert"])
    if role == "expert" or not base.endswith(".ipynb"):
        return [(label, personal_link(token, base_url, page)) for label, page in pages]
    folder = base.rsplit("/", 1)[0]
    return [
        (label, personal_link(token, f"{folder}/{page.rsplit('/', 1)[-1]}", page))
        for label, page in pages
    ]
