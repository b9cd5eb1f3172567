"""A tab container whose pages are built the first time they are shown.

Every widget a panel creates is sent to the browser and drawn there, hidden tabs included;
with a whole review meeting opening its pages at once, the browsers' drawing is what the
experts wait for. A page of :class:`LazyTabs` is an empty box until its tab is selected
(ipywidgets ``Tab.selected_index``) or its content is asked for (:meth:`LazyTabs.build`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w

__all__ = ["LAZY_CLASS", "LAZY_STYLE", "LazyTabs"]

#: Class of a page's box, empty until the page is built.
LAZY_CLASS = "nzc-lazy-page"
#: The style sheet a panel using :class:`LazyTabs` includes: a page not built yet says so
#: while its widgets come from the kernel.
LAZY_STYLE = (f"<style>.{LAZY_CLASS}:empty::before {{ content: '正在载入…'; color: #777; }}"
              "</style>")

#: What builds one page: its widgets, in order.
Builder = Callable[[], Sequence[w.Widget]]


class LazyTabs:
    """``pages`` is ``[(title, builder), …]``; the first page is built at once, the others on
    first selection. ``widget`` is the ``Tab`` to display."""

    def __init__(self, pages: Sequence[tuple[str, Builder]]):
        self._builders = [builder for _, builder in pages]
        self._holders = [w.VBox() for _ in pages]
        for holder in self._holders:
            holder.add_class(LAZY_CLASS)
        self._built = [False] * len(pages)
        self.widget = w.Tab(children=self._holders, titles=[title for title, _ in pages])
        if pages:
            self.build(0)
        self.widget.observe(self._selected, names="selected_index")

    def built(self, index: int) -> bool:
        """Whether page ``index`` has been built."""
        return self._built[index]

    def build(self, index: int) -> None:
        """Build page ``index`` now (nothing when it was)."""
        if self._built[index]:
            return
        self._holders[index].children = tuple(self._builders[index]())
        self._built[index] = True

    def _selected(self, change) -> None:
        if change["new"] is not None:
            self.build(change["new"])
