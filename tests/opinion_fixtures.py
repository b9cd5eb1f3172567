"""Builders shared by the panel-opinion, revision and meeting tests (no tests here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nzc_review.store import DEFAULT_CRITERIA, Actor, SQLiteStore, create_session, import_file
from tests.conftest import EXAMPLES

CRITERIA = [c.id for c in DEFAULT_CRITERIA]
PARK, COMMUNITY = "DEMO-2024-YQ-001", "DEMO-2024-SQ-001"
REGION, CAMPUS, COMMERCIAL = "DEMO-2024-QY-001", "DEMO-2024-XY-001", "DEMO-2024-SY-001"
ALL_EXAMPLES = (
    "park-pass",
    "community-fail",
    "region-pass",
    "campus-incomplete",
    "commercial-pass",
)


@dataclass
class Panel:
    """A review session: experts ``a``, ``b``, ``c``, the ``chair`` (who scores too: rule
    ``chair_scores``) and the secretary ``sec``; the operator ``op``."""

    dir: Path
    store: SQLiteStore
    op: Actor
    people: dict[str, Actor] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Actor:
        people = self.__dict__.get("people", {})
        if key in people:
            return people[key]
        raise AttributeError(key)

    def score(
        self,
        who: str,
        app_id: str,
        scores: Mapping[str, float] | Sequence[float],
        *,
        recommendation: str = "recommend",
        revisions: str = "",
        weights: Mapping | None = None,
        submit: bool = True,
        **opinion: str,
    ) -> None:
        """Save (and submit) one expert's review; ``scores`` by criterion id or in order."""
        if not isinstance(scores, Mapping):
            scores = dict(zip(CRITERIA, scores, strict=True))
        if recommendation == "recommend_after_revision" and not revisions:
            revisions = "按意见修改完善。"
        actor = self.people[who]
        self.store.save_draft(
            actor,
            app_id,
            scores=scores,
            weights=weights,
            opinion={"recommendation": recommendation, "revisions": revisions, **opinion},
        )
        if submit:
            self.store.submit(actor, app_id)


def build_panel(
    directory: Path,
    *,
    examples: Sequence[str] = ("park-pass",),
    display: str = "letters",
    counties: Mapping[str, str] | None = None,
    date: str = "2024-06-30",
) -> Panel:
    """Create a session with three experts, the chair and the secretary, import examples
    (``examples/applications/<name>.yaml``) and assign everything."""
    op = Actor.operator("tester")
    store = create_session(
        directory,
        name="2024年第一批近零碳排放区试点评审会",
        date=date,
        batch="2024-1",
        rules={"expert_display": display, "chair_scores": True},
        actor=op,
    )
    panel = Panel(directory, store, op)
    counties = dict(counties or {})
    for key, name, org, role, title in (
        ("a", "张三", "广西大学", "expert", "教授"),
        ("b", "李四", "河池学院", "expert", "高级工程师"),
        ("c", "王五", "自治区环境科学研究院", "expert", "研究员"),
        ("chair", "赵六", "广西科学院", "chair", "研究员"),
        ("sec", "钱七", "河池市生态环境局", "secretary", None),
    ):
        new = store.add_expert(
            op, name=name, organisation=org, role=role, title=title, county=counties.get(key)
        )
        panel.people[key] = store.authenticate(new.token)
    for name in examples:
        import_file(store, op, EXAMPLES / f"{name}.yaml")
    store.assign(op)
    return panel
