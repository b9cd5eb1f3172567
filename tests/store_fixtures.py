"""Builders shared by the review-store tests (no tests here)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nzc_review.intake import validate_application
from nzc_review.store import (
    DEFAULT_CRITERIA,
    Actor,
    SQLiteStore,
    create_session,
)

#: A complete set of scores (every default criterion).
FULL_SCORES = {c.id: 80 for c in DEFAULT_CRITERIA}
#: A complete opinion.
OPINION = {
    "strengths": "基础较好，重点项目明确。",
    "problems": "部分指标目标偏低。",
    "revisions": "补充碳排放核算过程。",
    "recommendation": "recommend",
}

PARK = "HC-2024-YQ-001"
COMMUNITY = "HC-2024-SQ-001"


def application(
    app_id: str,
    pilot_type: str,
    organization: str,
    county: str | None = None,
    name: str = "测试申报",
):
    """A minimal valid application with an applicant."""
    applicant = {"organization": organization}
    if county:
        applicant["county"] = county
    data = {
        "format": "nzc-application/1",
        "id": app_id,
        "pilot_type": pilot_type,
        "name": name,
        "applicant": applicant,
    }
    return validate_application(data, f"{app_id}.yaml")


@dataclass
class Meeting:
    """A ready review session: two applications, experts A and B, expert C (same
    organisation as the park's applicant: a detected conflict), the chair (who scores here:
    rule ``chair_scores``) and the secretary, everything assigned."""

    dir: Path
    store: SQLiteStore
    op: Actor
    a: Actor
    b: Actor
    c: Actor
    chair: Actor
    sec: Actor
    tokens: dict[str, str]

    def complete(self, actor: Actor, app_id: str, **overrides) -> None:
        """Save a complete draft and submit it."""
        self.store.save_draft(
            actor,
            app_id,
            scores=overrides.get("scores", FULL_SCORES),
            opinion=overrides.get("opinion", OPINION),
        )
        self.store.submit(actor, app_id)


def build_meeting(directory: Path, **options) -> Meeting:
    rules = {"chair_scores": True, **options.pop("rules", {})}
    store = create_session(
        directory,
        name="第一批评审会",
        date="2024-05-20",
        batch="2024-1",
        rules=rules,
        actor=Actor.operator("tester"),
        **options,
    )
    op = Actor.operator("tester")
    tokens = {}
    actors = {}
    for key, name, org, role, county in (
        ("a", "张三", "广西大学", "expert", None),
        ("b", "李四", "河池学院", "expert", None),
        ("c", "王五", "示例园区管理委员会", "expert", None),
        ("chair", "赵六", "广西科学院", "chair", None),
        ("sec", "钱七", "河池市生态环境局", "secretary", None),
    ):
        new = store.add_expert(op, name=name, organisation=org, role=role, county=county)
        tokens[key] = new.token
        actors[key] = store.authenticate(new.token)
    store.import_application(
        op,
        application(PARK, "park", "示例园区管理委员会", "宜州区"),
        content_sha256="1" * 64,
        source_name="park.yaml",
    )
    store.import_application(
        op,
        application(COMMUNITY, "community", "示例社区居民委员会", "金城江区"),
        content_sha256="2" * 64,
        source_name="community.yaml",
    )
    store.assign(op)
    return Meeting(
        directory,
        store,
        op,
        actors["a"],
        actors["b"],
        actors["c"],
        actors["chair"],
        actors["sec"],
        tokens,
    )
