"""What the register's tests share: the five example applications, a register holding them,
and moving an application along the way the work plan sets."""

from __future__ import annotations

from pathlib import Path

from nzc_review.programme import Register, create_register, read_submission
from tests.fixtures import EXAMPLES
from tests.fixtures.sessions import ALL_EXAMPLES

BATCH = "2024年第一批"
#: The example applications by pilot type: (file stem, id).
FIVE = {
    "park": ("park-pass", "DEMO-2024-YQ-001"),
    "community": ("community-fail", "DEMO-2024-SQ-001"),
    "region": ("region-pass", "DEMO-2024-QY-001"),
    "campus": ("campus-incomplete", "DEMO-2024-XY-001"),
    "commercial": ("commercial-pass", "DEMO-2024-SY-001"),
}
PARK, COMMUNITY, REGION = FIVE["park"][1], FIVE["community"][1], FIVE["region"][1]
CAMPUS, COMMERCIAL = FIVE["campus"][1], FIVE["commercial"][1]
#: From registration to a recommendation, step by step.
TO_RECOMMENDED = ("county_approved", "received", "under_review", "recommended")

assert {stem for stem, _ in FIVE.values()} == set(ALL_EXAMPLES)


def example(stem: str) -> Path:
    return EXAMPLES / f"{stem}.yaml"


def register_five(folder: Path) -> Register:
    """A new register holding the five examples, all 已报送."""
    reg = create_register(folder, by="测试")
    reg.register([read_submission(example(stem)) for stem, _ in FIVE.values()], batch=BATCH,
                 by="秘书")
    return reg


def walk(reg: Register, app_id: str, steps: tuple[str, ...], by: str = "测试") -> None:
    for step in steps:
        reg.advance(app_id, step, by=by)
