"""A demonstration review session: the bundled example applications, three experts, a chair
and a secretary (``nzc-review serve --demo``). All people and applications are fictitious.

A demo session is made in a new folder and marked with :data:`DEMO_MARKER`, which lists what
it made. Only a folder with that marker is ever replaced, and only when it holds nothing else
than what the marker lists, SQLite's side files and the reports the panels wrote
(:func:`remove_demo_session`): the tool deletes nothing it did not create (CWE-73).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from nzc_review.errors import InputError
from nzc_review.files.atomic import write_atomic
from nzc_review.files.resources import examples_dir

#: The example applications the demo imports (package data of a wheel,
#: :mod:`nzc_review.files.resources`).
EXAMPLES = examples_dir() / "applications"
PEOPLE = (
    ("expert_a", "张明（示例）", "广西大学（示例）", "expert", None),
    ("expert_b", "李华（示例）", "河池学院（示例）", "expert", None),
    ("expert_c", "王强（示例）", "示例社区居民委员会（示例）", "expert", None),
    ("chair", "赵立（示例）", "广西环境科学研究院（示例）", "chair", None),
    ("secretary", "钱静（示例）", "河池市生态环境局（示例）", "secretary", None),
)


#: The marker file of a demo session folder.
DEMO_MARKER = ".nzc-demo-session"
#: What a demo session folder gains after its creation: SQLite's side files, the reports
#: the chair's finalisation writes and the evaluation cache of ``serve``.
LATER_ENTRIES = frozenset({"review.sqlite-wal", "review.sqlite-shm", "review.sqlite-journal",
                           "reports", "cache"})


@dataclass
class DemoSession:
    dir: Path
    tokens: dict[str, str]
    names: dict[str, str]


def create_demo_session(directory: str | Path, *, more_experts: int = 0) -> DemoSession:
    """Create the demo session in the new folder ``directory`` and mark it as a demo.

    ``more_experts`` adds that many fictitious experts (``专家04（示例）`` …, each of an
    organisation of their own) to the three of :data:`PEOPLE`: a full-size meeting for load
    tests and benchmarks.

    Raises
    ------
    InputError
        ``directory`` exists already.
    """
    from nzc_review.meeting.documents import import_file
    from nzc_review.store import Actor, create_session

    folder = Path(directory)
    if folder.exists() or folder.is_symlink():
        raise InputError(str(folder), "exists already; a demo session is made in a new folder")
    operator = Actor.operator("demo")
    store = create_session(folder, name="河池市近零碳排放区试点评审会（示例）",
                           date="2024-06-30", batch="2024年第一批（示例）", actor=operator)
    _write_marker(folder)
    tokens, names = {}, {}
    try:
        extra = [(f"expert_{n:02d}", f"专家{n:02d}（示例）", f"示例评审单位{n:02d}（示例）", "expert",
                  None) for n in range(4, 4 + max(0, more_experts))]
        for key, name, org, role, county in (*PEOPLE, *extra):
            new = store.add_expert(operator, name=name, organisation=org, role=role, county=county)
            tokens[key], names[key] = new.token, name
        for path in sorted(EXAMPLES.glob("*.yaml")):
            import_file(store, operator, path)
        store.assign(operator)
        for conflict in store.conflicts(operator, status="pending"):
            store.decide_conflict(operator, conflict.id, "confirm",
                                  "与申报单位为同一单位（示例）")
    finally:
        store.close()
    _write_marker(folder)
    return DemoSession(folder, tokens, names)


def _write_marker(folder: Path) -> None:
    made = sorted(p.name for p in folder.iterdir() if p.name != DEMO_MARKER)
    write_atomic(folder / DEMO_MARKER, json.dumps({
        "format": "nzc-demo-session/1",
        "note": "演示评审会，由 nzc-review serve --demo 创建；只有此标记列出的文件可由 --replace-demo 删除",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "made": made,
    }, ensure_ascii=False, indent=2) + "\n")


def demo_entries(directory: str | Path) -> frozenset[str] | None:
    """The names a demo session may hold in ``directory`` (its marker's list, the marker,
    :data:`LATER_ENTRIES`), or ``None`` when ``directory`` is not a marked demo session."""
    marker = Path(directory) / DEMO_MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != "nzc-demo-session/1":
        return None
    made = data.get("made")
    if not isinstance(made, list) \
            or not all(isinstance(n, str) and "/" not in n and n not in {"", ".", ".."}
                       for n in made):
        return None
    return frozenset(made) | LATER_ENTRIES | {DEMO_MARKER}


def foreign_entries(directory: str | Path) -> list[str]:
    """Entries of a demo session folder that the demo did not make (all of them when the
    folder is not a demo session)."""
    allowed = demo_entries(directory) or frozenset()
    return sorted(p.name for p in Path(directory).iterdir() if p.name not in allowed)


def remove_demo_session(directory: str | Path) -> None:
    """Delete a demo session made by :func:`create_demo_session`, folder included.

    Raises
    ------
    InputError
        ``directory`` is not a marked demo session, or holds anything the demo did not make
        (nothing is deleted then).
    """
    folder = Path(directory)
    if folder.is_symlink() or demo_entries(folder) is None:
        raise InputError(str(folder), "is not a demo session made by nzc-review serve --demo")
    others = foreign_entries(folder)
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                         else "")
        raise InputError(str(folder), f"holds files the demo did not make ({shown}); move them "
                                      "out or name a new folder: nothing is deleted")
    for entry in folder.iterdir():
        if entry.name == DEMO_MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (folder / DEMO_MARKER).unlink()
    folder.rmdir()
