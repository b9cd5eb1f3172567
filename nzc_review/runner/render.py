"""From executed notebook to report files: nbconvert HTML (in-process) and atomic writes.

The templates live in the project's ``reports/`` folder (``reports/nzc_report``: outputs only,
A4 print layout, Chinese fonts, nothing from the network); the notebooks in ``notebooks/``.
Installed from a wheel, both are package data (:mod:`nzc_review.files.resources`).
"""

from __future__ import annotations

import re
import sys
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


#: What nbconvert's accessibility pass changes (``HTMLExporter.from_notebook_node``, nbconvert 7):
#: an image without ``alt`` text, and the cells of its lab template (``jp-Notebook``).
_ACCESSIBILITY_PASS_NEEDED = re.compile(r"<img\b(?![^>]*\balt\s*=)|jp-Notebook", re.IGNORECASE)


@cache
def _exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=REPORT_TEMPLATE, extra_template_basedirs=[str(REPORTS_DIR)])


def render_html(nb: nbformat.NotebookNode) -> str:
    """The printable HTML report of an executed notebook (no code, no prompts).

    nbconvert's HTML exporter ends by parsing its whole output with BeautifulSoup to give every
    image an ``alt`` text and the lab template's cells a ``tabindex``, then writes the tree out
    again: about 0.07 CPU-s for an evaluation report, three quarters of its rendering, for a page
    the report template already makes so (every chart has ``alt`` text; no lab cells). The pass
    runs only when it would change something; otherwise the template's output is the report —
    the same document (BeautifulSoup reads both to the same tree), written as the template
    wrote it."""
    exporter = _exporter()
    body = _template_output(exporter, nb)
    if _ACCESSIBILITY_PASS_NEEDED.search(body):
        body, _ = exporter.from_notebook_node(nb)
    return body


def _template_output(exporter, nb: nbformat.NotebookNode) -> str:
    """What ``HTMLExporter.from_notebook_node`` renders before its accessibility pass: its two
    notebook-dependent filters registered, then the template (nbconvert 7's own steps)."""
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    langinfo = nb.metadata.get("language_info", {})
    lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
    highlight_code = exporter.filters.get("highlight_code",
                                          Highlight2HTML(pygments_lexer=lexer, parent=exporter))
    resources = exporter._init_resources(None)
    filter_data_type = WidgetsDataTypeFilter(notebook_metadata=exporter._nb_metadata,
                                             parent=exporter, resources=resources)
    exporter.register_filter("highlight_code", highlight_code)
    exporter.register_filter("filter_data_type", filter_data_type)
    return TemplateExporter.from_notebook_node(exporter, nb, resources)[0]



def skip_iri_grammar() -> None:
    """Keep jsonschema from building its IRI grammar in this process.

    When ``rfc3987-syntax`` is installed, importing jsonschema (which nbformat and papermill
    do) compiles a Lark grammar for the ``iri`` string format: 1.3 s of CPU, for a format the
    notebook schemas never use (nbformat's ``v4`` schemas have no ``"format"`` keyword). It is
    skipped — jsonschema imports it under ``suppress(ImportError)`` — unless jsonschema or the
    grammar is already imported."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def warm_renderer() -> None:
    """Import the notebook stack (nbformat, papermill and the engine) and compile the report
    template once, ahead of the first report: a batch does it while its kernels start."""
    skip_iri_grammar()
    import nbformat

    import nzc_review.runner.engine  # noqa: F401 - imports papermill, registers the engine

    render_html(nbformat.v4.new_notebook())
