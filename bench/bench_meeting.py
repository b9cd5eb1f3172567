"""Benchmark: the review meeting at full strength — fifteen experts and the chair at once.

A session of 15 experts, a chair and a secretary (the demo session with 12 more fictitious
experts) is served by ``nzc-review serve`` on this machine; Debian's Chromium (Playwright,
one browser context per person) then:

1. opens one expert's page alone on a warm server: the single pre-heated time to interactive;
2. opens the 16 pages of the 15 experts and the chair at the same moment; each page is timed
   until its first widget is visible and its application selector usable;
3. closes every page and counts the kernels 60 s later;
4. without a browser: fetches one page's HTML alone, then the 16 at the same moment (the
   server's and kernels' share of the work, apart from Chromium's).

Reported: p50/p95/max time to interactive, failures, pages whose first text is not the panel
header, the server's memory (Voila and its kernels, RSS via psutil), a kernel's RSS, the
kernel count after the pages closed, and the CPU seconds of the browser, Voila and the kernels
(the browser runs on the same machine: its share shows what the server cannot change). Aims,
same run: 16 of 16 interactive, p95 ≤ 3× the single pre-heated time, kernels after close ≤ the
pre-heated pool, a kernel ≤ 120 MB.

Exit status 0 when the run completed (whatever the aims: each is printed MET / NOT MET), 1 when
it could not run.

Usage: python bench/bench_meeting.py [--experts 15] [--pool-size N] [--after-close 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

# ``nzc-review serve`` started and stopped as the tests do (tests/fixtures/serving.py)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fixtures.serving import Serve, panel_paths  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
HEADERS = {"expert": "专家评审", "chair": "组长看板"}
#: What each page shows once its first application is on screen.
READY_TEXT = {"expert": "已载入", "chair": "评审进度"}
PAGE_TIMEOUT = 180.0


# --- the server ------------------------------------------------------------------------------


class Server(Serve):
    """``nzc-review serve SESSION`` on a free port, started; its memory and CPU through
    psutil."""

    def __init__(self, folder: Path, pool_size: int | None, log: Path) -> None:
        pool = [] if pool_size is None else ["--pool-size", str(pool_size)]
        super().__init__(folder, *pool, log=log)
        self.start()

    def children(self) -> list[psutil.Process]:
        """Voila and its kernels (``serve`` itself left out)."""
        return [p for p in self.processes() if p.pid != self.process.pid]

    def memory(self) -> tuple[int, list[int]]:
        """RSS of Voila plus its kernels, and of each kernel (bytes)."""
        total, kernels = 0, []
        for p in self.children():
            try:
                rss = p.memory_info().rss
                is_kernel = "ipykernel_launcher" in " ".join(p.cmdline())
            except psutil.Error:
                continue
            total += rss
            if is_kernel:
                kernels.append(rss)
        return total, kernels

    def wait_settled(self, quiet_cpu: float = 15.0, quiet_for: float = 3.0,
                     timeout: float = 600.0) -> int:
        """Wait until the server and its kernels are idle (the pre-heated pool is warm);
        returns the number of kernels."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        last = -1
        while time.monotonic() < deadline:
            procs = self.children()
            for p in procs:
                try:
                    p.cpu_percent(None)
                except psutil.Error:
                    pass
            time.sleep(1.0)
            cpu = 0.0
            for p in procs:
                try:
                    cpu += p.cpu_percent(None)
                except psutil.Error:
                    pass
            count = len(self.kernels())
            if cpu < quiet_cpu and count == last and count > 0:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= quiet_for:
                    return count
            else:
                quiet_since = None
            last = count
        raise RuntimeError("the server did not settle")


def cpu_seconds(processes, *, ended_children: bool = False) -> float:
    """User + system CPU seconds of ``processes``, or of their children that ended."""
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
        except psutil.Error:
            continue
        total += (times.children_user + times.children_system if ended_children
                  else times.user + times.system)
    return total


def cpu_groups(server: Server) -> dict[str, list[psutil.Process]]:
    """The processes of the run: the browser (Chromium under this process), Voila, kernels."""
    browser = [p for p in psutil.Process().children(recursive=True)
               if "chrom" in p.name().lower()]
    voila, kernels = [], []
    for p in server.processes():
        try:
            line = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "ipykernel_launcher" in line:
            kernels.append(p)
        elif "nzc_review.server.app" in line:
            voila.append(p)
    return {"browser": browser, "voila": voila, "kernels": kernels}


class CpuMeter:
    """CPU seconds each group used between :meth:`start` and :meth:`stop` (processes that
    appear in between counted from their start)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.before: dict[int, float] = {}
        self.used: dict[str, float] = {}

    def start(self) -> None:
        groups = cpu_groups(self.server)
        for procs in groups.values():
            for p in procs:
                self.before[p.pid] = cpu_seconds([p])
        self.reaped = self._reaped(groups)
        self.kernel_pids = {p.pid for p in groups["kernels"]}

    @staticmethod
    def _reaped(groups) -> float:
        """CPU of Voila's children that ended (kernels shut down in between)."""
        return cpu_seconds(groups["voila"], ended_children=True)

    def stop(self) -> None:
        groups = cpu_groups(self.server)
        for name, procs in groups.items():
            self.used[name] = sum(cpu_seconds([p]) - self.before.get(p.pid, 0.0)
                                  for p in procs)
        # kernels that ended in between: their whole CPU was added to Voila's children's
        # times; what they had used before the start is taken off again
        alive = {p.pid for p in groups["kernels"]}
        ended_before = sum(self.before.get(pid, 0.0) for pid in self.kernel_pids - alive)
        self.used["kernels"] += self._reaped(groups) - self.reaped - ended_before


class Sampler(threading.Thread):
    """Peak memory of the server (Voila + kernels) and of one kernel, sampled every 0.5 s."""

    def __init__(self, server: Server) -> None:
        super().__init__(daemon=True)
        self.server, self.stop_event = server, threading.Event()
        self.peak_total, self.peak_kernel = 0, 0

    def run(self) -> None:
        while not self.stop_event.is_set():
            total, kernels = self.server.memory()
            self.peak_total = max(self.peak_total, total)
            self.peak_kernel = max([self.peak_kernel, *kernels])
            self.stop_event.wait(0.5)


# --- the pages -------------------------------------------------------------------------------


@dataclass
class Visit:
    who: str
    role: str
    seconds: float | None = None
    error: str | None = None
    first_text: str = ""
    extra: dict = field(default_factory=dict)


async def open_page(browser, url: str):
    context = await browser.new_context(viewport={"width": 1366, "height": 900},
                                        locale="zh-CN")
    page = await context.new_page()
    return context, page


async def first_text(page) -> str:
    """The first line of text the person reads in the panel's output area."""
    text = await page.evaluate("""() => {
        const root = document.querySelector('#rendered_cells') || document.body;
        return (root.innerText || '').trim().split('\\n').find(l => l.trim()) || '';
    }""")
    return text.strip()


async def until_interactive(page, url: str, role: str, started: float) -> float:
    """Load ``url``; seconds from ``started`` until the first widget is visible and the
    application selector usable (the first application shown)."""
    timeout = PAGE_TIMEOUT * 1000
    await page.goto(url, timeout=timeout, wait_until="commit")
    await page.get_by_text(READY_TEXT[role]).first.wait_for(timeout=timeout)
    select = page.locator(".widget-dropdown select").first
    await select.wait_for(state="visible", timeout=timeout)
    deadline = time.monotonic() + PAGE_TIMEOUT
    while not await select.is_enabled():
        if time.monotonic() > deadline:
            raise TimeoutError("the application selector stayed disabled")
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def visit(browser, who: str, role: str, url: str, gate: asyncio.Event,
                t0: list[float]) -> tuple[Visit, object, object]:
    context, page = await open_page(browser, url)
    result = Visit(who, role)
    page.on("domcontentloaded",
            lambda _p: result.extra.setdefault("html", time.perf_counter() - t0[0]))
    page.on("websocket", lambda _w: result.extra.setdefault("ws", time.perf_counter() - t0[0]))
    await gate.wait()
    try:
        result.seconds = await until_interactive(page, url, role, t0[0])
        result.first_text = await first_text(page)
    except Exception as exc:  # noqa: BLE001 - a failed page is a result
        result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return result, context, page


async def close_pages(pairs) -> None:
    for _context, page in pairs:
        try:
            await page.close(run_before_unload=True)  # as a person closing the tab
        except Exception:  # noqa: BLE001
            pass
    await asyncio.sleep(1.0)
    for context, _page in pairs:
        try:
            await context.close()
        except Exception:  # noqa: BLE001
            pass


# --- the server alone: pages fetched without a browser ----------------------------------------


def fetch_page(url: str) -> tuple[float, str | None]:
    """Seconds to receive a page's whole HTML (its kernel has then built the panel), then close
    it the way the page's script does (the shutdown beacon with the page's ``_xsrf``)."""
    import http.cookiejar
    import urllib.request
    import uuid

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    started = time.perf_counter()
    try:
        html = opener.open(url, timeout=PAGE_TIMEOUT).read().decode("utf-8")
    except OSError as exc:
        return float("nan"), f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    kernel = re.search(r'"kernelId": *"([^"]+)"', html)
    xsrf = next((c.value for c in jar if c.name == "_xsrf"), "")
    if kernel:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\n"
                f"{xsrf}\r\n--{boundary}--\r\n").encode()
        base = url.split("/voila/")[0]
        request = urllib.request.Request(
            f"{base}/voila/api/shutdown/{kernel.group(1)}", data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Origin": base})
        try:
            opener.open(request, timeout=30).read()
        except OSError:
            pass
    return seconds, None if kernel else "no kernel in the page"


def server_only(server: Server, people: list[tuple[str, str, str]]) -> dict:
    """The rush without a browser: every page's HTML fetched at the same moment."""
    from concurrent.futures import ThreadPoolExecutor

    server.wait_settled()
    single, _ = fetch_page(people[0][2])
    server.wait_settled()
    meter = CpuMeter(server)
    meter.start()
    with ThreadPoolExecutor(len(people)) as pool:
        results = list(pool.map(lambda p: fetch_page(p[2]), people))
    meter.stop()
    return {"single": single, "times": [t for t, e in results if e is None],
            "errors": [e for _, e in results if e], "cpu": meter.used}


async def browse(server: Server, people: list[tuple[str, str, str]],
                 after_close: float) -> dict:
    from playwright.async_api import async_playwright

    from nzc_review.runner.pdf import CHROMIUM_ARGS

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # 1. one expert alone, on the warm server
            who, role, url = people[0]
            gate, t0 = asyncio.Event(), [0.0]
            task = asyncio.ensure_future(visit(browser, who, role, url, gate, t0))
            await asyncio.sleep(0.5)
            meter = CpuMeter(server)
            meter.start()
            t0[0] = time.perf_counter()
            gate.set()
            single, context, page = await task
            meter.stop()
            out["single_cpu"] = meter.used
            _, kernels = server.memory()
            out["single"] = single
            out["single_kernel_rss"] = max(kernels, default=0)
            await close_pages([(context, page)])
            await asyncio.to_thread(server.wait_settled)

            # 2. everyone at the same moment
            sampler = Sampler(server)
            sampler.start()
            gate, t0 = asyncio.Event(), [0.0]
            tasks = [asyncio.ensure_future(visit(browser, w, r, u, gate, t0))
                     for w, r, u in people]
            await asyncio.sleep(2.0)  # every context and tab is open, nothing loaded yet
            meter = CpuMeter(server)
            meter.start()
            t0[0] = time.perf_counter()
            gate.set()
            results = await asyncio.gather(*tasks)
            meter.stop()
            out["cpu"] = meter.used
            out["rush_seconds"] = time.perf_counter() - t0[0]
            await asyncio.sleep(2.0)
            sampler.stop_event.set()
            sampler.join()
            out["visits"] = [r for r, _, _ in results]
            out["peak_server_rss"] = sampler.peak_total
            out["peak_kernel_rss"] = sampler.peak_kernel
            out["kernels_open"] = len(server.kernels())

            # 3. everyone closes their page
            await close_pages([(c, pg) for _, c, pg in results])
            closed_at = time.monotonic()
            while time.monotonic() - closed_at < after_close:
                await asyncio.sleep(1.0)
            out["kernels_after_close"] = len(server.kernels())
        finally:
            await browser.close()
    return out


# --- the session -----------------------------------------------------------------------------


def make_session(folder: Path, experts: int, port_hint: str = "") -> list[tuple[str, str, str]]:
    """The session of ``experts`` experts, a chair and a secretary; returns (who, role, path
    with token) for each expert and the chair."""
    from nzc_review.ui.demo import create_demo_session

    demo = create_demo_session(folder, more_experts=max(0, experts - 3))
    return panel_paths(demo)  # experts first: the single measurement's visit is an expert's


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=15)
    parser.add_argument("--pool-size", type=int, default=None,
                        help="passed to serve (default: serve sizes the pool from the session)")
    parser.add_argument("--after-close", type=float, default=60.0,
                        help="seconds to wait after the pages closed before counting kernels")
    parser.add_argument("--verbose", action="store_true",
                        help="print each page's time to its HTML and websocket")
    parser.add_argument("--log", type=Path, default=None,
                        help="keep the server's log in this file")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="nzc-bench-meeting-") as tmp:
        folder = Path(tmp) / "session"
        people = make_session(folder, args.experts)
        started = time.perf_counter()
        server = Server(folder, args.pool_size, Path(tmp) / "serve.log")
        try:
            pool = server.wait_settled()
            warm_seconds = time.perf_counter() - started
            _, idle = server.memory()
            links = [(w, r, server.url(u)) for w, r, u in people]
            result = asyncio.run(browse(server, links, args.after_close))
            alone = server_only(server, links)
            log = server.output()
        except Exception as exc:  # noqa: BLE001
            print(f"the benchmark could not run: {exc}", file=sys.stderr)
            print(server.output()[-3000:], file=sys.stderr)
            return 1
        finally:
            server.stop()
            if args.log is not None:
                args.log.write_text(server.output(), encoding="utf-8")
    sized = re.search(r"pre-heated kernels[^\n]*", log)
    visits: list[Visit] = result["visits"]
    single: Visit = result["single"]
    if single.seconds is None:
        print(f"the single visit failed: {single.error}", file=sys.stderr)
        return 1
    times = [v.seconds for v in visits if v.seconds is not None]
    failed = [v for v in visits if v.seconds is None]
    stray = [v for v in visits if v.seconds is not None
             and not v.first_text.startswith(HEADERS[v.role])]
    p50, p95 = (statistics.median(times), percentile(times, 0.95)) if times else (0.0, 0.0)
    top = max(times, default=0.0)
    mb = 1 << 20
    kernel_rss = result["peak_kernel_rss"] / mb
    print(f"meeting: {len(visits)} pages ({args.experts} experts and the chair) at once, "
          f"serve {'--pool-size ' + str(args.pool_size) if args.pool_size else 'pool sized from the session'}"
          f"{' (' + sized.group(0) + ')' if sized else ''}")
    print(f"server warm after {warm_seconds:.0f} s with {pool} pre-heated kernels, "
          f"idle pre-heated kernel {statistics.median(idle) / mb if idle else 0:.0f} MB")
    rows = [
        ("single pre-heated page", f"{single.seconds:.2f} s", "baseline", ""),
        ("interactive", f"{len(times)} of {len(visits)}", f"{len(visits)} of {len(visits)}",
         verdict(not failed)),
        ("time to interactive p50", f"{p50:.2f} s", "", ""),
        ("time to interactive p95", f"{p95:.2f} s ({p95 / single.seconds:.1f}×)",
         f"≤ 3× single = {3 * single.seconds:.2f} s",
         verdict(bool(times) and not failed and p95 <= 3 * single.seconds)),
        ("time to interactive max", f"{top:.2f} s", "", ""),
        ("first text is the panel header", f"{len(times) - len(stray)} of {len(times)}",
         "all", verdict(not stray)),
        ("server RSS, peak (Voila + kernels)", f"{result['peak_server_rss'] / mb:.0f} MB", "", ""),
        ("RSS of a kernel, peak", f"{kernel_rss:.0f} MB", "≤ 120 MB", verdict(kernel_rss <= 120)),
        ("kernels with every page open", f"{result['kernels_open']}", "", ""),
        (f"kernels {args.after_close:.0f} s after every page closed",
         f"{result['kernels_after_close']}", f"≤ pool = {pool}",
         verdict(result["kernels_after_close"] <= pool)),
    ]
    single_cpu, cpu = result["single_cpu"], result["cpu"]
    rows.append(("CPU seconds, single page",
                 " / ".join(f"{single_cpu.get(k, 0):.1f}" for k in ("browser", "voila",
                                                                      "kernels")),
                 "browser / Voila / kernels", ""))
    rows.append((f"CPU seconds, {len(visits)} pages",
                 " / ".join(f"{cpu.get(k, 0):.1f}" for k in ("browser", "voila", "kernels")),
                 f"in {result['rush_seconds']:.0f} s on {os.cpu_count()} cores", ""))
    floor = len(visits) * sum(single_cpu.values()) / (os.cpu_count() or 1)
    rows.append((f"{len(visits)} × single-page CPU / cores", f"{floor:.1f} s",
                 "no schedule finishes sooner", ""))
    if alone["times"]:
        a95 = percentile(alone["times"], 0.95)
        rows.append(("without a browser: page HTML, single", f"{alone['single']:.2f} s",
                     "baseline", ""))
        rows.append((f"without a browser: {len(visits)} pages, p95",
                     f"{a95:.2f} s ({a95 / alone['single']:.1f}×)",
                     f"{len(alone['times'])} of {len(visits)} served", ""))
        rows.append(("without a browser: CPU seconds",
                     " / ".join(f"{alone['cpu'].get(k, 0):.1f}" for k in ("voila", "kernels")),
                     "Voila / kernels (refills too)", ""))
    width = max(len(r[0]) for r in rows)
    for name, value, aim, met in rows:
        print(f"  {name:<{width}}  {value:<22} {aim:<24} {met}")
    for v in failed:
        print(f"  failed: {v.who} ({v.role}): {v.error}")
    if args.verbose:
        for v in sorted(visits, key=lambda v: v.seconds or 1e9):
            phases = "  ".join(f"{k} {t:6.2f}" for k, t in sorted(v.extra.items(),
                                                               key=lambda kv: kv[1]))
            print(f"    {v.who:<10} {v.seconds or float('nan'):6.2f} s   {phases}")
    for v in stray:
        print(f"  first text of {v.who}'s page: {v.first_text[:60]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
