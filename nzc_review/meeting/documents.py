"""The files a meeting imports: application files into a review, self-evaluation reports into
an expert acceptance meeting.

A review (专家评审, 河环发〔2023〕23号 三、(一)2) imports application files (``nzc-application/1``,
YAML, JSON or the Excel template, :mod:`nzc_review.intake`); an acceptance meeting (验收, 三、(二)2,
a session of kind ``acceptance``) imports self-evaluation reports (自我评价报告,
``nzc-acceptance/1``, the files ``nzc-review accept`` reads, :mod:`nzc_review.lifecycle.intake`),
each kept with the application it refers to embedded
(:func:`nzc_review.lifecycle.session.acceptance_snapshot`). :func:`import_file` reads the file
for the session's kind, refuses a file of the other kind by what it declares, and hands the
document to the store (:meth:`nzc_review.store.interface.ReviewStore.import_application`), which
knows neither file format.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nzc_review.errors import InputError
from nzc_review.store import ImportResult, ReviewStore, file_sha256
from nzc_review.store.records import Actor
from nzc_review.store.validate import check_document_kind

__all__ = ["import_file"]


def import_file(store: ReviewStore, actor: Actor, path: str | os.PathLike[str]) -> ImportResult:
    """Read, validate and import one file: an application (YAML, JSON or Excel) into a review,
    a self-evaluation report (``nzc-acceptance/1``: YAML, JSON or its workbook) into an
    acceptance meeting. The same content again is ``unchanged``; changed content is a new
    version (:class:`~nzc_review.store.records.ImportResult`).

    Raises
    ------
    InputError
        The file is not valid (``file: field: message``), or is of the other kind: an
        application for an acceptance meeting, a self-evaluation report for a review (one
        Chinese sentence naming the file, :func:`nzc_review.store.validate.check_document_kind`).
    PermissionDenied
        From the store (``actor`` does not manage the session, a finalized application).
    """
    path = Path(path)
    document = _load_document(path, store.session(actor).kind)
    return store.import_application(
        actor, document, content_sha256=file_sha256(path), source_name=path.name
    )


def _load_document(path: Path, kind: str) -> Any:
    """The document of ``path`` for a session of ``kind``, as the store takes it (an
    application, or a self-evaluation report's kept data); a file of the other kind is refused
    by what it declares (its ``format``), before its content is judged."""
    from nzc_review.intake import load_application

    if kind == "acceptance":
        from nzc_review.lifecycle.intake import AcceptanceCase, load_document
        from nzc_review.lifecycle.session import acceptance_snapshot

        try:
            document = load_document(path)
        except InputError:
            if _is_application(path):
                check_document_kind({"format": "nzc-application/1"}, kind, path.name)
            raise
        if not isinstance(document, AcceptanceCase):
            declared = getattr(document, "format", None) or "nzc-disclosure/1"
            check_document_kind({"format": declared}, kind, path.name)
        return acceptance_snapshot(document)
    try:
        return load_application(path)
    except InputError:
        declared = _declared_format(path)
        if declared is not None and declared != "nzc-application/1":
            check_document_kind({"format": declared}, kind, path.name)
        raise


def _declared_format(path: Path) -> str | None:
    """The ``format`` a lifecycle file declares (``None`` when it cannot be read as one)."""
    from nzc_review.lifecycle.intake import read_document

    try:
        declared = read_document(path).get("format")
    except Exception:  # a sniff only: the file's own error is the one reported
        return None
    return declared if isinstance(declared, str) else None


def _is_application(path: Path) -> bool:
    """Whether ``path`` reads as a valid application (an Excel template included)."""
    from nzc_review.intake import load_application

    try:
        load_application(path)
    except Exception:  # a sniff only: the file's own error is the one reported
        return False
    return True
