"""From executed notebook to report files: nbconvert HTML (in-process) and atomic writes.

The templates live in the project's ``reports/`` folder (``reports/nzc_report``: outputs only,
A4 print layout, Chinese fonts, nothing from the network); the notebooks in ``notebooks/``.
Installed from a wheel, both are package data (:mod:`nzc_review.files.resources`).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from nzc_review.files.resources import notebooks_dir, reports_dir

if TYPE_CHECKING:  # nbformat imports jsonschema's format checkers: seconds, for a type name
    import nbformat

#: The nbconvert templates and the notebooks: package data of a wheel, the repository's
#: folders in a source checkout, or ``$NZC_REPORTS_DIR`` / ``$NZC_NOTEBOOKS_DIR``
#: (:mod:`nzc_review.files.resources`).
REPORTS_DIR = reports_dir()
NOTEBOOKS_DIR = notebooks_dir()
REPORT_TEMPLATE = "nzc_report"


@cache
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(REPORTS_DIR)])


def render_html(nb: nbformat.NotebookNode) -> str:
    """The printable HTML report of an executed notebook (no code, no prompts)."""
    body, _ = _exporter().from_notebook_node(nb)
    return body

