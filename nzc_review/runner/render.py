"""From executed notebook to report files: nbconvert HTML (in-process) and atomic writes.

The templates live in the project's ``reports/`` folder (``reports/nzc_report``: outputs only,
A4 print layout, Chinese fonts, nothing from the network); the notebooks in ``notebooks/``.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nbformat imports jsonschema's format checkers: seconds, for a type name
    import nbformat

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPORTS_DIR = Path(os.environ.get("NZC_REPORTS_DIR", PROJECT_ROOT / "reports"))
NOTEBOOKS_DIR = Path(os.environ.get("NZC_NOTEBOOKS_DIR", PROJECT_ROOT / "notebooks"))
REPORT_TEMPLATE = "nzc_report"


@cache
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(REPORTS_DIR)])


def render_html(nb: nbformat.NotebookNode) -> str:
    """The printable HTML report of an executed notebook (no code, no prompts)."""
    body, _ = _exporter().from_notebook_node(nb)
    return body

