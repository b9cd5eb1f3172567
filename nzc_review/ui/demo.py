"""A demonstration review session: the bundled example applications, three experts, a chair
and a secretary (``nzc-review serve --demo``). All people and applications are fictitious."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nzc_review.render import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "examples" / "applications"
PEOPLE = (
    ("expert_a", "张明（示例）", "广西大学（示例）", "expert", None),
    ("expert_b", "李华（示例）", "河池学院（示例）", "expert", None),
    ("expert_c", "王强（示例）", "示例社区居民委员会（示例）", "expert", None),
    ("chair", "赵立（示例）", "广西环境科学研究院（示例）", "chair", None),
    ("secretary", "钱静（示例）", "河池市生态环境局（示例）", "secretary", None),
)


@dataclass
class DemoSession:
    dir: Path
    tokens: dict[str, str]
    names: dict[str, str]


def create_demo_session(directory: str | Path) -> DemoSession:
    """Create the demo session in ``directory`` (which must not hold a session yet)."""
    from nzc_review.store import Actor, create_session, import_file

    operator = Actor.operator("demo")
    store = create_session(Path(directory), name="河池市近零碳排放区试点评审会（示例）",
                           date="2024-06-30", batch="2024年第一批（示例）", actor=operator)
    tokens, names = {}, {}
    try:
        for key, name, org, role, county in PEOPLE:
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
    return DemoSession(Path(directory), tokens, names)
