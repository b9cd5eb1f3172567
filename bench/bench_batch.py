"""Benchmark: batch evaluation of 20 applications, nzc-review batch vs the naive way.

The naive way, for the same notebook and applications: a shell loop of the ``papermill``
command, then ``jupyter nbconvert --to html --no-input``, then Chromium's ``--print-to-pdf``,
one application after the other. Same run, same machine; the report content is compared
(verdict and section headings in the HTML; the PDF text contains the title).

Usage: python bench/bench_batch.py [N]   (N applications, default 20)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "evaluate_application.ipynb"


def make_variants(folder: Path, n: int) -> list[Path]:
    """``n`` variants of the bundled examples: new ids, emissions scaled by a few percent."""
    sources = sorted((ROOT / "examples" / "applications").glob("*.yaml"))
    paths = []
    for i in range(n):
        data = yaml.safe_load(sources[i % len(sources)].read_text(encoding="utf-8"))
        data["id"] = f"{data['id']}-V{i:02d}"
        scale = 1 + 0.01 * (i % 7)
        data["emissions_tco2"] = {y: round(v * scale) for y, v in data["emissions_tco2"].items()}
        path = folder / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def naive(paths: list[Path], out: Path) -> float:
    started = time.perf_counter()
    for path in paths:
        target = out / path.stem
        target.mkdir(parents=True)
        executed = target / "evaluation.ipynb"
        subprocess.run([BIN / "papermill", "--no-progress-bar", str(NOTEBOOK), str(executed),
                        "-p", "application", str(path)], check=True, capture_output=True)
        subprocess.run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input",
                        str(executed)], check=True, capture_output=True)
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--no-pdf-header-footer",
                        f"--user-data-dir={target / 'profile'}",
                        f"--print-to-pdf={target / 'evaluation.pdf'}",
                        (target / "evaluation.html").as_uri()], check=True, capture_output=True)
        shutil.rmtree(target / "profile", ignore_errors=True)
    return time.perf_counter() - started


def ours(folder: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([BIN / "nzc-review", "batch", str(folder), "--out", str(out), "--quiet"],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def content(html: Path) -> tuple[str, list[str]]:
    text = html.read_text(encoding="utf-8")
    verdict = re.search(r"建设可行性：(可行|基本可行|不可行)", text)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", text)
    return (verdict.group(1) if verdict else "?"), headings


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        apps = tmp / "apps"
        apps.mkdir()
        paths = make_variants(apps, n)
        t_ours = ours(apps, tmp / "ours")
        t_naive = naive(paths, tmp / "naive")
        same = True
        for path in paths:
            app_id = path.stem
            a = content(tmp / "ours" / app_id / "evaluation.html")
            b = content(tmp / "naive" / app_id / "evaluation.html")
            pdf_ok = (tmp / "ours" / app_id / "evaluation.pdf").stat().st_size > 10_000
            if a != b or not pdf_ok:
                print(f"content differs for {app_id}: {a} vs {b}", file=sys.stderr)
                same = False
        print(f"applications: {n}")
        print(f"naive (papermill CLI + nbconvert CLI + chromium print, sequential): "
              f"{t_naive:.1f} s ({t_naive / n:.2f} s per application)")
        print(f"nzc-review batch (warm kernels, in-process HTML, one browser):      "
              f"{t_ours:.1f} s ({t_ours / n:.2f} s per application)")
        print(f"speed-up: {t_naive / t_ours:.1f}x   same report content: {'yes' if same else 'NO'}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
