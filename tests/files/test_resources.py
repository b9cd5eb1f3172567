"""Where the shipped folders are found: override, wheel package data, source checkout."""

from __future__ import annotations

import zipfile

import pytest

from nzc_review.errors import NzcError
from nzc_review.files import resources
from tests.conftest import ROOT


def test_a_source_checkout_uses_the_repository_folders(monkeypatch):
    for variable in ("NZC_NOTEBOOKS_DIR", "NZC_REPORTS_DIR", "NZC_PANELS_DIR"):
        monkeypatch.delenv(variable, raising=False)
    assert resources.source_checkout() == ROOT
    assert resources.notebook("evaluate_application.ipynb") \
        == ROOT / "notebooks" / "evaluate_application.ipynb"
    assert resources.reports_dir() == ROOT / "reports"
    assert (resources.reports_dir() / "nzc_report" / "index.html.j2").is_file()
    assert (resources.panels_dir() / "jupyter" / "voila" / "templates" / "nzc").is_dir()
    assert (resources.examples_dir() / "applications" / "park-pass.yaml").is_file()


def test_an_environment_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("NZC_PANELS_DIR", str(tmp_path))
    assert resources.panels_dir() == tmp_path
    monkeypatch.setenv("NZC_PANELS_DIR", "")  # empty: not set
    assert resources.panels_dir() == ROOT / "panels"


def test_package_data_wins_over_a_checkout_and_a_missing_folder_is_named(monkeypatch, tmp_path):
    package = tmp_path / "site-packages" / "nzc_review"
    (package / "_data" / "notebooks").mkdir(parents=True)
    monkeypatch.setattr(resources, "_package_root", lambda: package)
    monkeypatch.delenv("NZC_NOTEBOOKS_DIR", raising=False)
    assert resources.notebooks_dir() == package / "_data" / "notebooks"
    assert resources.source_checkout() is None  # no pyproject.toml beside the package
    # an installed package without the folder: the path where it should be, not a stray one
    (tmp_path / "site-packages" / "reports").mkdir()
    assert resources.reports_dir() == package / "_data" / "reports"


def test_an_unknown_folder_is_an_error():
    with pytest.raises(resources.ResourceError, match="'secrets' is not a folder the tool ships"):
        resources.data_dir("secrets")


def test_a_zipped_package_is_refused_in_one_sentence(monkeypatch, tmp_path):
    archive = tmp_path / "nzc.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("nzc_review/__init__.py", "")
    monkeypatch.setattr(resources.resources, "files",
                        lambda _name: zipfile.Path(archive, "nzc_review/"))
    with pytest.raises(NzcError, match="imported from an archive .*install it with pip"):
        resources.notebooks_dir()
