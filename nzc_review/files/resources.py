"""Where the files the tool ships are: notebooks, the report template, the panels, the examples.

=============  ==========================  ==============================  ====================
folder         what                        installed wheel                 override
=============  ==========================  ==============================  ====================
``notebooks``  papermill report notebooks  ``nzc_review/_data/notebooks``  ``NZC_NOTEBOOKS_DIR``
``reports``    nbconvert templates         ``nzc_review/_data/reports``    ``NZC_REPORTS_DIR``
``panels``     Voila panels and template   ``nzc_review/_data/panels``     ``NZC_PANELS_DIR``
``examples``   example applications        ``nzc_review/_data/examples``   —
=============  ==========================  ==============================  ====================

A wheel carries the four folders as package data (``pyproject.toml``, hatch ``sources``), read
with :mod:`importlib.resources`; in a source checkout (``pip install -e .``) they are the
repository's top-level folders, next to ``pyproject.toml``. An environment variable, when set,
wins over both.

Voila, nbconvert and papermill need real folders on disk, which pip gives: it unpacks a wheel
into ``site-packages``, so :func:`importlib.resources.as_file` yields the package's own folder
(no temporary copy, which would vanish while the server still needs it). A package imported
from a zip archive has no such folder and is refused with :class:`ResourceError`.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from nzc_review.errors import NzcError

__all__ = [
    "ResourceError",
    "data_dir",
    "examples_dir",
    "notebook",
    "notebooks_dir",
    "panels_dir",
    "reports_dir",
    "source_checkout",
]

#: The package data folder of a wheel, inside the package.
PACKAGE_DATA = "_data"
#: The shipped folders and the environment variable that overrides each (``None``: none).
OVERRIDES: dict[str, str | None] = {
    "notebooks": "NZC_NOTEBOOKS_DIR",
    "reports": "NZC_REPORTS_DIR",
    "panels": "NZC_PANELS_DIR",
    "examples": None,
}


class ResourceError(NzcError):
    """A shipped folder cannot be used from where the package is installed."""


def _package_root() -> Path:
    root = resources.files("nzc_review")
    if not isinstance(root, Path):
        raise ResourceError(f"nzc_review is imported from an archive ({root}); the notebooks and "
                            "panels need real folders: install it with pip (unpacked)")
    with resources.as_file(root) as path:  # a real folder already: no copy, nothing removed
        return path


def source_checkout() -> Path | None:
    """The repository folder when the package runs from a source checkout (``pyproject.toml``
    beside the package folder), else ``None``."""
    root = _package_root().parent
    return root if (root / "pyproject.toml").is_file() else None


def data_dir(kind: str) -> Path:
    """The folder ``kind`` (a key of :data:`OVERRIDES`): its environment variable when set,
    else the package data of an installed wheel, else the source checkout's folder.

    Raises
    ------
    ResourceError
        ``kind`` is unknown, or the package is imported from an archive.
    """
    if kind not in OVERRIDES:
        raise ResourceError(f"{kind!r} is not a folder the tool ships "
                            f"({', '.join(OVERRIDES)})")
    variable = OVERRIDES[kind]
    if variable and os.environ.get(variable):
        return Path(os.environ[variable])
    shipped = _package_root() / PACKAGE_DATA / kind
    if shipped.is_dir():
        return shipped
    checkout = source_checkout()
    if checkout is not None and (checkout / kind).is_dir():
        return checkout / kind
    return shipped  # missing: the error names where it should be


def notebooks_dir() -> Path:
    """The papermill notebooks (``notebooks/``)."""
    return data_dir("notebooks")


def notebook(name: str) -> Path:
    """The report notebook ``name`` (``evaluate_application.ipynb`` …)."""
    return notebooks_dir() / name


def reports_dir() -> Path:
    """The nbconvert template folder (``reports/``, holding ``nzc_report``)."""
    return data_dir("reports")


def panels_dir() -> Path:
    """The Voila panels (``panels/``; the Voila template under ``panels/jupyter``)."""
    return data_dir("panels")


def examples_dir() -> Path:
    """The example inputs (``examples/``: ``applications/``, ``lifecycle/``)."""
    return data_dir("examples")
