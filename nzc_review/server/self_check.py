"""The applicants' self-check page (申报自查) as the server serves it: ``nzc-review serve
--self-check``.

The page is public: applicants (建设主体 and their consultancies) open it without a personal
token. In this mode the server (:mod:`nzc_review.server.app`) serves that page alone — every
review panel is refused with a Chinese message, the folder listing sends the visitor to the
page — and keeps every guard of the meeting server: each page has a kernel of its own that
only its browser may use (the visitor cookie), messages are policed, idle kernels are culled.
What this mode adds, each a default of this tool (本工具默认规则):

* **a file can be uploaded**: a page may send one message as large as the upload limit (an
  ipywidgets upload travels as one websocket message) plus :data:`MESSAGE_MARGIN_BYTES`;
* **pages are bounded** (OWASP ASVS 5.0 V15.2 resource limits, CWE-400): at most
  :func:`max_pages` pages at once, from the memory available when the server starts at
  :data:`VISITOR_MB` a page (its kernel, the kernel that runs the report notebook, and
  Chromium while it prints the PDF), or ``serve --max-pages N``; one more is answered 503
  with a Chinese message.

The kernels learn their settings from their environment (:data:`WORK_ENV`, :data:`KEEP_ENV`,
:data:`MAX_BYTES_ENV`), set by ``serve``.
"""

from __future__ import annotations

from pathlib import PurePosixPath

#: The page of this mode (``panels/self_check.ipynb``).
SELF_CHECK_PANEL = "self_check.ipynb"
#: Environment of the page's kernel: the folder its visitor's work folder is made in (removed
#: when ``serve`` stops), the folder uploads are kept in (absent: nothing is kept), the upload
#: limit in bytes.
WORK_ENV = "NZC_SELF_CHECK_WORK"
KEEP_ENV = "NZC_SELF_CHECK_KEEP_DIR"
MAX_BYTES_ENV = "NZC_SELF_CHECK_MAX_BYTES"
#: What a page's upload message holds besides the file (the widget's state as JSON).
MESSAGE_MARGIN_BYTES = 1 << 20
#: Memory one open page may take (MB): measured at its peak, printing the PDF, 744 MB (PSS:
#: its kernel 114, the report notebook's kernel 102, Playwright's driver 97, Chromium 430);
#: about 220 MB while no PDF is printed (Chromium runs only to print).
VISITOR_MB = 750
#: Share of the memory available at start the pages may take.
MEMORY_SHARE = 0.5
#: Pages at once, whatever the memory, at least.
MIN_PAGES = 2

ONLY_SELF_CHECK = ("本服务器只提供申报自查页面，评审会面板不在此开放。请打开申报自查页面："
                   "/voila/render/self_check.ipynb")
BUSY = "当前使用申报自查的人数较多，请稍后刷新本页面再试。"
NOT_IN_MEETING = ("申报自查页面不在评审会服务器上开放：请使用 nzc-review serve --self-check "
                  "单独启动。")


def max_pages(available_mb: float, *, visitor_mb: float = VISITOR_MB,
              share: float = MEMORY_SHARE) -> int:
    """Pages the server keeps open at once: ``share`` of the memory available, at
    ``visitor_mb`` a page, never fewer than :data:`MIN_PAGES`."""
    return max(MIN_PAGES, int(available_mb * share // visitor_mb))


def page_refusal(path: str | None, open_pages: int, limit: int) -> tuple[int, str] | None:
    """``None`` when the self-check page at ``path`` may open now, else the HTTP status and
    the Chinese message: 403 for any other page, 503 when ``limit`` pages are open (``0``: no
    limit)."""
    if PurePosixPath(path or "").name != SELF_CHECK_PANEL:
        return 403, ONLY_SELF_CHECK
    if limit and open_pages >= limit:
        return 503, BUSY
    return None
