"""Benchmark: batch evaluation with HTML and PDF reports, nzc-review's batch vs the naive way,
with where the time goes and whether it stays flat as the batch grows.

The naive way, for the same notebook and applications: a shell loop of the ``papermill``
command, then ``jupyter nbconvert --to html --no-input``, then Chromium's ``--print-to-pdf``,
one application after the other. nzc-review's way is :func:`nzc_review.runner.batch.run_batch`
with the ``nzc-review batch`` defaults (workers = cores, PDF, 10,000 draws), run in a fresh
Python process as the command would be. Same run, same machine: half the naive loop runs just
before the batch and half just after, so that both see the same load on average. The report
content is compared (verdict and section headings in the HTML against the naive run; every
PDF holds its own application's id).

For each N: the wall time, the time per application and the speed-up over the naive time per
application (measured at the smallest N: the naive loop is one application after the other,
so its time per application does not depend on N), and the CPU time of both (every process
each started, exactly: less sensitive to other work on the machine than wall time — the
benchmark is a child subreaper, so Chromium's renderers and print compositors, which outlive
their parents, are reaped and counted here too); where the
time went (seconds per stage, summed over the applications, which run ``workers`` at once,
so the stages add up to more than the wall time) and which processes used the CPU; and memory
— each kernel's resident memory just after each report, early in the run against late, and
Chromium's, sampled.

Usage: python bench/bench_batch.py [N ...]   (default 20; a single N above 20 runs 20 and N,
e.g. ``bench_batch.py 200`` gives a line for 20 and one for 200)
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "evaluate_application.ipynb"
NAIVE_MAX = 20  # the naive loop runs at the smallest N, at most this many applications

#: Runs the batch in a fresh process, as ``nzc-review batch DIR --out OUT --quiet`` does, and
#: writes the report (with its stage profile) as JSON.
RUNNER = """
import json, sys
from pathlib import Path
from nzc_review.runner.batch import BatchOptions, run_batch
report = run_batch([sys.argv[1]], BatchOptions(out_dir=Path(sys.argv[2]), progress=False))
Path(sys.argv[3]).write_text(json.dumps(report.to_dict()), encoding="utf-8")
"""


def make_variants(folder: Path, n: int) -> list[Path]:
    """``n`` variants of the bundled examples: new ids, emissions scaled by a few percent."""
    sources = sorted((ROOT / "examples" / "applications").glob("*.yaml"))
    paths = []
    for i in range(n):
        data = yaml.safe_load(sources[i % len(sources)].read_text(encoding="utf-8"))
        data["id"] = f"{data['id']}-V{i:03d}"
        scale = 1 + 0.01 * (i % 7)
        data["emissions_tco2"] = {y: round(v * scale) for y, v in data["emissions_tco2"].items()}
        path = folder / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


#: ``prctl(PR_SET_CHILD_SUBREAPER)`` (Linux ≥ 3.4, ``linux/prctl.h``).
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux): a Chromium child
    process whose parent exits first is then reaped here, and its CPU time reaches
    :func:`children_cpu` instead of being lost with init."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_orphans(deadline: float = 10.0) -> None:
    """Wait for every descendant left over after a run (orphans re-parented here), for at
    most ``deadline`` seconds."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def children_cpu() -> float:
    """CPU seconds of every finished child process and of their reaped descendants (orphans
    included: :func:`become_subreaper`)."""
    reap_orphans()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


def _kind(process: psutil.Process, root: int) -> str:
    if process.pid == root:
        return "batch"
    name, cmdline = process.name(), " ".join(process.cmdline())
    if "chromium" in name or "--type=" in cmdline:  # utility processes are named "exe"
        return "chromium"
    if name.startswith("node") or "playwright" in cmdline:
        return "playwright"
    return "kernels" if "ipykernel" in cmdline else "other"


class Sampler:
    """The batch's processes every half second: Chromium's memory (proportional set size, so
    pages shared between its processes count once) and everyone's CPU time by kind — the
    batch process itself, its kernels, Chromium, Playwright's driver."""

    def __init__(self, pid: int):
        self.pid = pid
        self.root = psutil.Process(pid)
        self.chromium_mb: list[float] = []
        self.cpu: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        chromium = 0.0
        for process in processes:
            try:
                kind = _kind(process, self.pid)
                times = process.cpu_times()
                self.cpu[process.pid] = (kind, times.user + times.system)
                if kind == "chromium":
                    chromium += process.memory_full_info().pss / (1 << 20)
            except psutil.Error:
                pass
        if chromium:
            self.chromium_mb.append(chromium)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def stop(self) -> tuple[list[float], dict[str, float]]:
        self._stop.set()
        self._thread.join()
        by_kind: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        return self.chromium_mb, by_kind


def ours(folder: Path, out: Path) -> tuple[float, float, dict, list[float], dict[str, float]]:
    """Wall and CPU seconds of the batch (a fresh process, with everything it started), its
    report, Chromium memory samples and CPU seconds by kind of process (sampled every half
    second: a process's last half second may be missed)."""
    report_path = out.parent / f"{out.name}.json"
    cpu_before = children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", RUNNER, str(folder), str(out),
                                str(report_path)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    sampler = Sampler(process.pid)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    chromium, by_kind = sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"batch failed:\n{stderr}")
    return (seconds, children_cpu() - cpu_before,
            json.loads(report_path.read_text(encoding="utf-8")), chromium, by_kind)


def content(html: Path) -> tuple[str, list[str]]:
    text = html.read_text(encoding="utf-8")
    verdict = re.search(r"建设可行性：(可行|基本可行|不可行)", text)
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", text)
    return (verdict.group(1) if verdict else "?"), headings


def pdf_holds(pdf: Path, app_id: str) -> bool:
    """Whether ``pdf`` is a real report of ``app_id`` (its text names the id)."""
    if not pdf.exists() or pdf.stat().st_size < 10_000:
        return False
    text = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    return app_id in text


def check(paths: list[Path], out: Path, naive_out: Path | None) -> bool:
    same = True
    for path in paths:
        app_id = path.stem
        html = out / app_id / "evaluation.html"
        ours_content = content(html) if html.exists() else ("missing", [])
        ok = ours_content[0] != "?" and len(ours_content[1]) >= 7
        if naive_out is not None:
            ok = ok and ours_content == content(naive_out / app_id / "evaluation.html")
        if not ok or not pdf_holds(out / app_id / "evaluation.pdf", app_id):
            print(f"content differs for {app_id}: {ours_content}", file=sys.stderr)
            same = False
    return same


def quarter(values: list[float], which: int) -> float:
    """The mean of the ``which``-th quarter (1–4) of ``values``."""
    if not values:
        return float("nan")
    k = max(1, len(values) // 4)
    part = values[(which - 1) * k:which * k] if which < 4 else values[-k:]
    return sum(part or values) / len(part or values)


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [20]
    if len(sizes) == 1 and sizes[0] > NAIVE_MAX:
        sizes = [NAIVE_MAX, sizes[0]]
    exact = become_subreaper()
    # the report font's subset for printing is built once per machine (in the background by
    # the first print otherwise, which would run beside the measured batch)
    from nzc_review.runner import print_fonts

    built = print_fonts.build()
    print(f"print font subset: {built or 'not built (fonts-noto-cjk missing)'}")
    # as `make bench` runs it, and as an installed package runs: with Python's bytecode cache
    # (a shell may turn it off; then every process recompiles every edited module)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    print(f"machine: {os.cpu_count()} cores; load average at start {load()}; CPU of orphaned "
          f"processes {'counted' if exact else 'NOT counted (no subreaper)'}")
    same = True
    rows = []
    naive_per_app = naive_cpu_per_app = None
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            apps = tmp / f"apps-{n}"
            apps.mkdir()
            paths = make_variants(apps, n)
            naive_out = None
            with_naive = naive_per_app is None and n <= NAIVE_MAX
            if with_naive:  # half the naive loop before the batch, half after: same load
                naive_out = tmp / f"naive-{n}"
                cpu_before = children_cpu()
                t_naive = naive(paths[:n // 2], naive_out)
                print(f"naive, first half: {t_naive:.1f} s; load {load()}")
            seconds, cpu_total, report, chromium, by_kind = ours(apps, tmp / f"ours-{n}")
            print(f"nzc-review batch, N={n}: {seconds:.1f} s ({seconds / n:.3f} s per "
                  f"application, {cpu_total / n:.2f} CPU-s per application); load {load()}")
            if with_naive:
                t_naive += naive(paths[n // 2:], naive_out)
                cpu_naive = children_cpu() - cpu_before - cpu_total
                naive_per_app, naive_cpu_per_app = t_naive / n, cpu_naive / n
                print(f"naive (papermill CLI + nbconvert CLI + chromium print, sequential), "
                      f"N={n}: {t_naive:.1f} s ({naive_per_app:.2f} s and "
                      f"{naive_cpu_per_app:.2f} CPU-s per application); load {load()}")
            ok = check(paths, tmp / f"ours-{n}", naive_out)
            same = same and ok
            failed = [r for r in report["results"] if r["status"] != "ok"]
            kernel_mb = [r["kernel_mb"] for r in report["results"] if r.get("kernel_mb")]
            rows.append((n, seconds, cpu_total, report, kernel_mb, chromium, by_kind, ok,
                         failed))
            shutil.rmtree(tmp / f"ours-{n}", ignore_errors=True)
            shutil.rmtree(tmp / f"naive-{n}", ignore_errors=True)
    print()
    print("per N (speed-up against the naive loop's time per application):")
    for n, seconds, cpu_total, report, kernel_mb, chromium, _, ok, failed in rows:
        speed = f"{naive_per_app / (seconds / n):.1f}x" if naive_per_app else "-"
        cpu_ratio = (f" (CPU {naive_cpu_per_app / (cpu_total / n):.1f}x less)"
                     if naive_cpu_per_app else "")
        print(f"  N={n:>4}: {seconds:7.1f} s, {seconds / n:.3f} s per application, "
              f"{speed}{cpu_ratio}; kernel memory first/last quarter of reports "
              f"{quarter(kernel_mb, 1):.0f}/{quarter(kernel_mb, 4):.0f} MB (max "
              f"{max(kernel_mb, default=0):.0f}, {report.get('kernels_started', '?')} kernels "
              f"started); Chromium (PSS) second/last quarter of the run "
              f"{quarter(chromium, 2):.0f}/{quarter(chromium, 4):.0f} MB; failed "
              f"{len(failed)}; content {'same' if ok else 'DIFFERS'}")
    print()
    print("where the time went (seconds summed over the applications, and per application):")
    print("  stage      " + "".join(f"{'N=' + str(r[0]):>22}" for r in rows))
    for stage in rows[0][3]["profile"]:
        print(f"  {stage:<10} " + "".join(
            f"{r[3]['profile'].get(stage, 0.0):12.1f} ({r[3]['profile'].get(stage, 0.0) / r[0]:.3f})"
            for r in rows))
    print(f"  {'wall':<10} " + "".join(f"{r[1]:12.1f} ({r[1] / r[0]:.3f})" for r in rows))
    print()
    print("CPU seconds by process (sampled every 0.5 s; total exact), and per application:")
    for kind in sorted({kind for r in rows for kind in r[6]}):
        print(f"  {kind:<10} " + "".join(
            f"{r[6].get(kind, 0.0):12.1f} ({r[6].get(kind, 0.0) / r[0]:.3f})" for r in rows))
    print(f"  {'total':<10} " + "".join(f"{r[2]:12.1f} ({r[2] / r[0]:.3f})" for r in rows))
    print()
    print(f"same report content: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
