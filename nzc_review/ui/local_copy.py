"""The copy of the expert's form that the browser keeps until the server has saved it.

The page's script (``panels/jupyter/voila/templates/nzc/static/nzc_keep.js``) writes every
text field of the form marked :data:`KEEP_CLASS` into the browser's ``localStorage`` as the
expert types, under a key made here (:func:`draft_key`); the kernel publishes, in a hidden
element (:func:`meta_html`), a fingerprint (:func:`text_hash`) of the text of each field as
last saved in the store; the script drops a field from its copy once the fingerprints match.
What is left after a reload (the server restarted, the connection was lost) is offered back;
accepted, it comes to the kernel through a hidden text box (:data:`RESTORE_CLASS`,
:func:`parse_restore`) and is written into the form and saved.

The key is a hash of the session, the expert and the application: the personal token is
never stored in the browser (OWASP HTML5 Security Cheat Sheet, Local Storage: do not store
session identifiers in local storage).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from html import escape

__all__ = ["FIELD_CLASS_PREFIX", "KEEP_CLASS", "META_CLASS", "RESTORE_CLASS", "draft_key",
           "field_class", "meta_html", "parse_restore", "text_hash"]

#: Class of a widget whose text the browser keeps.
KEEP_CLASS = "nzc-keep"
#: Prefix of the class naming the field (``nzc-f-strengths``, ``nzc-f-score-0``).
FIELD_CLASS_PREFIX = "nzc-f-"
#: Class of the hidden element carrying the key and the fingerprints of the saved texts.
META_CLASS = "nzc-form-meta"
#: Class of the hidden text box through which the page hands back a kept copy.
RESTORE_CLASS = "nzc-restore"
#: Longest text accepted back from the page for one field (characters); the store's own
#: limit (:data:`nzc_review.store.validate.MAX_TEXT`) is checked when saving.
MAX_FIELD = 100_000


def field_class(name: str) -> str:
    """The class naming field ``name`` in the page."""
    return FIELD_CLASS_PREFIX + name


def draft_key(session_created_at: str, session_name: str, expert_id: int | None,
              app_id: str) -> str:
    """The ``localStorage`` key of one expert's form for one application of one session:
    a SHA-256 of the three (no token, no name in clear)."""
    text = "\n".join(["nzc-review draft/1", session_created_at, session_name, str(expert_id),
                      app_id])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def text_hash(text: str) -> str:
    """A fingerprint of a text, computed the same way by the page's script: the number of
    UTF-16 code units and their 32-bit FNV-1a hash (Fowler–Noll–Vo, IETF draft
    draft-eastlake-fnv), ``"5:1a2b3c4d"``. It tells the script that a text was saved; it is
    not a security measure."""
    data = text.encode("utf-16-le")
    h = 0x811C9DC5
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return f"{len(data) // 2}:{h:08x}"


def meta_html(key: str, saved: Mapping[str, str], *, readonly: bool, state: str) -> str:
    """The hidden element the script reads: the key, ``{field: text_hash(saved text)}``,
    whether the form is read-only, and the save state (``saved``, ``dirty``, ``invalid``,
    ``error``)."""
    fingerprints = {name: text_hash(value) for name, value in saved.items()}
    return (f"<div class='{META_CLASS}' data-key='{escape(key)}' "
            f"data-saved='{escape(json.dumps(fingerprints, sort_keys=True))}' "
            f"data-readonly='{1 if readonly else 0}' data-state='{escape(state)}'></div>")


def parse_restore(text: str, fields: Collection[str]) -> dict[str, str]:
    """The fields of a copy handed back by the page (``{"fields": {name: text}}``), keeping
    only known field names with text values; anything malformed gives ``{}``."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    values = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return {}
    return {name: value for name, value in values.items()
            if name in fields and isinstance(value, str) and len(value) <= MAX_FIELD}
