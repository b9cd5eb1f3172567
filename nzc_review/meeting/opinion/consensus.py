"""The consensus opinion (专家组评审意见) as text the chair writes, and its structure.

The review store keeps the consensus opinion as one free text (``Consensus.opinion``; no JSON
fields), so the structure travels *inside* the text, in a form that reads naturally when the
text is printed as it is (the Excel export, the audit trail):

.. code-block:: text

    该园区基础扎实，目标明确……（综合意见：any paragraphs before the first heading）

    【主要优点】
    1. 产业基础好，绿电交易规模大。
    2. 重点项目清单完整。
    【存在问题】
    1. 部分项目投资测算依据不足。
    【修改意见】
    1. 【五、重点项目】补充余热利用项目的可研报告和投资测算依据。
    2. 【三、建设目标】将 YQ-03 目标提高到 15% 以上。
    3. 进一步完善碳排放核算过程。

The rules (:func:`parse_consensus`):

* **Headings** open the three parts: 主要优点 (also 优点), 存在问题 (also 主要问题),
  修改意见 (also 修改完善意见, 修改建议). A heading is a line holding the word in 【】 or [],
  or the word followed by a colon (``存在问题：…``; text after the colon is the first item)
  or nothing; an ordinal before it (``一、``, ``1.``) is allowed. Text before the first
  heading is the general opinion (综合意见).
* **Items.** Within a part, a line starting with an enumerator (``1.``, ``1、``, ``（1）``,
  ``(1)``, ``一、``, ``-``, ``•``) starts an item and lines without one continue it; when
  no line of the part is enumerated, every non-empty line is an item.
* **What is a revision.** The 修改意见 part is its first paragraph (the lines up to the
  first blank line) and every later paragraph whose first line is enumerated or carries a
  section tag. Any other paragraph after a blank line — typically the chair's closing
  sentence (``专家组同意修改完善后推荐。``) — is not a revision: it is kept as
  :attr:`ConsensusText.closing` and printed after the revisions. So only tagged lines and
  lines under 修改意见 become revision items, and the revision round
  (:mod:`nzc_review.meeting.revision`) never checks a closing remark.
* **Outline sections.** A 修改意见 item may carry a tag naming the section of the
  application outline (附件2, 一…八) it concerns: ``【五、重点项目】``, ``【五】``,
  ``[五]``, ``【重点项目】`` or ``【附件2 五】``, anywhere on its first line — whatever
  precedes it (an expert's label ``（专家A）``, a few words) stays in the text. The first
  tag that names a section is taken off the text and kept as :attr:`Revision.section`
  (``"五"``). A bracket that names no section stays in the text and the item is untagged
  (``section=None``).

:func:`compose_consensus` writes this form from structured parts (what a dashboard holds:
a list of ``{section, text}`` revisions), and ``parse_consensus(compose_consensus(...))``
gives the parts back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

__all__ = [
    "PARTS",
    "SECTION_NUMBERS",
    "ConsensusText",
    "Revision",
    "compose_consensus",
    "parse_consensus",
    "find_tag",
    "section_label",
    "section_title",
    "split_items",
]

#: The outline sections of 附件2, in order.
SECTION_NUMBERS: tuple[str, ...] = ("一", "二", "三", "四", "五", "六", "七", "八")

#: The structured parts, with their Chinese headings.
PARTS: dict[str, str] = {
    "strengths": "主要优点",
    "problems": "存在问题",
    "revisions": "修改意见",
}

_HEADING_WORDS = {
    "主要优点": "strengths",
    "优点": "strengths",
    "存在问题": "problems",
    "主要问题": "problems",
    "修改意见": "revisions",
    "修改完善意见": "revisions",
    "修改建议": "revisions",
}
_WORDS = "|".join(sorted(_HEADING_WORDS, key=len, reverse=True))
_ORDINAL = r"(?:[一二三四五六七八九十]+[、.．]|\d+[、.．]|[（(][一二三四五六七八九十\d]+[)）])?\s*"
_HEADING = re.compile(
    rf"^\s*{_ORDINAL}(?:[【\[]\s*(?P<b>{_WORDS})\s*[】\]]\s*[:：]?"
    rf"|(?P<c>{_WORDS})\s*(?:[:：]|$))\s*(?P<rest>.*)$"
)
_ENUM = re.compile(
    r"^\s*(?:\d+\s*[.、．)）]|[（(]\s*\d+\s*[)）]|[一二三四五六七八九十]+、|[-•·*])\s*(?P<rest>.*)$",
    re.S,
)
_TAG = re.compile(r"[【\[]\s*(?P<inner>[^【\[】\]\n]{1,40}?)\s*[】\]]")


@cache
def _titles() -> dict[str, str]:
    from nzc_review.policy import catalog
    return {s.number: s.title_zh for s in catalog.outline().sections}


def section_title(number: str) -> str:
    """The title of an outline section (``"五"`` → ``重点项目``)."""
    return _titles()[number]


def section_label(number: str | None) -> str:
    """``五、重点项目``, or ``未标注章节`` for ``None``."""
    return "未标注章节" if number is None else f"{number}、{section_title(number)}"


def _section_of(inner: str) -> str | None:
    """The section number a tag's text names, or ``None``."""
    text = re.sub(r"^附件\s*2\s*", "", inner.strip())
    text = re.sub(r"\s+", "", text)
    m = re.match(r"^(?P<n>[一二三四五六七八])(?:[、.．:：]?(?P<t>.*))?$", text)
    titles = _titles()
    if m:
        number, title = m.group("n"), m.group("t") or ""
        if not title or title in titles[number] or titles[number] in title:
            return number
        return None
    for number, title in titles.items():
        if text and (text == title or text in title and len(text) >= 2):
            return number
    return None


@dataclass(frozen=True)
class Revision:
    """One required revision (修改意见) and the outline section (附件2 一…八) it concerns.

    Attributes
    ----------
    text:
        The revision, without its section tag.
    section:
        ``"一"`` … ``"八"``, or ``None`` when the chair did not tag it.
    """

    text: str
    section: str | None = None

    def __post_init__(self) -> None:
        if self.section is not None and self.section not in SECTION_NUMBERS:
            raise ValueError(
                f"section: expected one of {'、'.join(SECTION_NUMBERS)} or None, "
                f"got {self.section!r}"
            )

    @property
    def section_label(self) -> str:
        """``五、重点项目`` or ``未标注章节``."""
        return section_label(self.section)

    def to_dict(self) -> dict[str, Any]:
        """``{"section": "五", "text": …}``."""
        return {"section": self.section, "text": self.text}


@dataclass(frozen=True)
class ConsensusText:
    """The parts of a consensus opinion (see the module docstring).

    Attributes
    ----------
    general:
        Paragraphs before the first heading (综合意见).
    strengths, problems:
        Items of 主要优点 and 存在问题.
    revisions:
        Items of 修改意见, each with its outline section.
    closing:
        Paragraphs after the revisions that are not revisions (the chair's closing words).
    structured:
        Whether any heading was found (``False``: the whole text is general opinion).
    """

    general: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    revisions: tuple[Revision, ...] = ()
    structured: bool = False
    closing: tuple[str, ...] = ()

    def by_section(self) -> dict[str | None, list[Revision]]:
        """Revisions grouped by outline section, in outline order (untagged last)."""
        out: dict[str | None, list[Revision]] = {}
        for number in (*SECTION_NUMBERS, None):
            items = [r for r in self.revisions if r.section == number]
            if items:
                out[number] = items
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data (the structured form a dashboard may hold)."""
        return {
            "general": list(self.general),
            "strengths": list(self.strengths),
            "problems": list(self.problems),
            "revisions": [r.to_dict() for r in self.revisions],
            "closing": list(self.closing),
            "structured": self.structured,
        }


def _items(lines: list[str]) -> list[str]:
    lines = [ln.rstrip() for ln in lines]
    if not any(ln.strip() for ln in lines):
        return []
    if not any(_ENUM.match(ln) for ln in lines if ln.strip()):
        return [ln.strip() for ln in lines if ln.strip()]
    items: list[list[str]] = []
    for ln in lines:
        if not ln.strip():
            continue
        m = _ENUM.match(ln)
        if m:
            items.append([m.group("rest").strip()])
        elif items:
            items[-1].append(ln.strip())
        else:  # text before the first enumerated line: an item of its own
            items.append([ln.strip()])
    return ["\n".join(part for part in item if part) for item in items if any(item)]


def split_items(text: str) -> list[str]:
    """The items of a free text, by the rules of a consensus part (enumerated lines start
    items, other lines continue them; without enumeration every non-empty line is an item)."""
    return _items(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def find_tag(line: str) -> tuple[str, str] | None:
    """The first section tag on ``line``: ``(section number, the line's text)``, or ``None``
    when no bracket on it names a section of 附件2.

    A tag that opens the line or follows a label (text ending in ``）``, ``)``, ``】``,
    ``：``, ``:`` or a space, e.g. ``（专家A）【五、重点项目】补充…``) is taken off the text;
    a tag inside a sentence (``按【三、建设目标】的要求…``) stays in it.
    """
    for m in _TAG.finditer(line):
        number = _section_of(m.group("inner"))
        if number is not None:
            before, after = line[: m.start()], line[m.end() :].lstrip()
            if before.strip() and not re.search(r"[）)】\]:：\s]$", before):
                return number, line.strip()
            return number, f"{before.rstrip()}{after}".strip()
    return None


def _revision(item: str) -> Revision:
    first, nl, rest = item.partition("\n")
    found = find_tag(first)
    if found:
        number, first = found
        return Revision(f"{first}{nl}{rest}".strip(), number)
    return Revision(item.strip(), None)


def _split_revisions(lines: list[str]) -> tuple[list[str], list[str]]:
    """The 修改意见 lines as (revision lines, closing paragraphs): see the module docstring."""
    paragraphs: list[list[str]] = [[]]
    for ln in lines:
        if ln.strip():
            paragraphs[-1].append(ln)
        elif paragraphs[-1]:
            paragraphs.append([])
    paragraphs = [p for p in paragraphs if p]
    revisions: list[str] = []
    closing: list[str] = []
    for i, para in enumerate(paragraphs):
        first = para[0]
        if i == 0 or _ENUM.match(first) or find_tag(first):
            revisions.extend(para)
        else:
            closing.extend(ln.strip() for ln in para)
    return revisions, closing


def parse_consensus(text: str | None) -> ConsensusText:
    """Split a consensus opinion into its parts (the rules are in the module docstring).

    Parameters
    ----------
    text:
        ``Consensus.opinion`` as the chair wrote it (``None`` or empty: no parts).

    Returns
    -------
    ConsensusText
    """
    if not text or not text.strip():
        return ConsensusText()
    parts: dict[str, list[str]] = {"general": [], **{k: [] for k in PARTS}}
    current = "general"
    structured = False
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        m = _HEADING.match(line)
        if m:
            structured = True
            current = _HEADING_WORDS[m.group("b") or m.group("c")]
            rest = m.group("rest").strip()
            if rest:
                parts[current].append(rest)
            continue
        parts[current].append(line)
    general = tuple(ln.strip() for ln in parts["general"] if ln.strip())
    revision_lines, closing = _split_revisions(parts["revisions"])
    return ConsensusText(
        general=general,
        strengths=tuple(_items(parts["strengths"])),
        problems=tuple(_items(parts["problems"])),
        revisions=tuple(_revision(i) for i in _items(revision_lines)),
        structured=structured,
        closing=tuple(closing),
    )


def _as_revision(item: Revision | Mapping[str, Any] | Sequence[Any] | str) -> Revision:
    if isinstance(item, Revision):
        return item
    if isinstance(item, str):
        return Revision(item, None)
    if isinstance(item, Mapping):
        return Revision(str(item.get("text") or ""), item.get("section") or None)
    section, text = item
    return Revision(str(text), section or None)


def compose_consensus(
    *,
    general: str | Iterable[str] = "",
    strengths: Iterable[str] = (),
    problems: Iterable[str] = (),
    revisions: Iterable[Revision | Mapping[str, Any] | Sequence[Any] | str] = (),
    closing: str | Iterable[str] = "",
) -> str:
    """Write a consensus opinion in the form :func:`parse_consensus` reads.

    Parameters
    ----------
    general:
        Paragraphs of general opinion (a text, or one string per paragraph).
    strengths, problems:
        Items of 主要优点 and 存在问题.
    revisions:
        Items of 修改意见: :class:`Revision`, ``{"section": "五", "text": …}``,
        ``("五", text)`` or plain text (untagged).
    closing:
        Closing paragraphs after the revisions (a text, or one string per paragraph);
        without revisions they are written as general opinion.

    Returns
    -------
    str
        The text to pass as ``opinion`` to ``store.set_consensus``.
    """
    blocks: list[str] = []
    paras = [general] if isinstance(general, str) else list(general)
    ends = [closing] if isinstance(closing, str) else list(closing)
    ends = [p.strip() for p in ends if p and p.strip()]
    revs = [r for r in (_as_revision(x) for x in revisions) if r.text.strip()]
    if not revs:  # closing words follow the revisions; without any they are general opinion
        paras, ends = [*paras, *ends], []
    text = "\n".join(p.strip() for p in paras if p and p.strip())
    if text:
        blocks.append(text)
    for key, items in (("strengths", strengths), ("problems", problems)):
        lines = [f"{i}. {t.strip()}" for i, t in enumerate((t for t in items if t.strip()), 1)]
        if lines:
            blocks.append(f"【{PARTS[key]}】\n" + "\n".join(lines))
    if revs:
        lines = []
        for i, r in enumerate(revs, 1):
            tag = f"【{section_label(r.section)}】" if r.section else ""
            lines.append(f"{i}. {tag}{r.text.strip()}")
        blocks.append(f"【{PARTS['revisions']}】\n" + "\n".join(lines))
    if ends:  # a blank line, then the closing paragraphs (not revisions: see above)
        blocks.append("\n" + "\n\n".join(ends))
    return "\n".join(blocks)
