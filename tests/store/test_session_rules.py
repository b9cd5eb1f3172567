"""A session's rules, typed (:class:`SessionRules`): defaults in one place, frozen, checked
with the refused rule named, and the rules stored by older sessions still read."""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3

import pytest

from nzc_review.errors import InputError
from nzc_review.mcda.recommendation import DEFAULT_BANDS
from nzc_review.store import (
    DB_NAME,
    Actor,
    DatabaseDamaged,
    SessionRules,
    chair_scores,
    create_session,
    default_rules,
    open_store,
)
from nzc_review.store.audit import canonical_json
from nzc_review.store.figures import (
    DEFAULT_OUTLIER_MIN_EXPERTS,
    DEFAULT_OUTLIER_MIN_SD,
    DEFAULT_OUTLIER_Z,
    FigureRules,
    FiguresError,
)
from nzc_review.store.validate import check_rules
from tests.fixtures.sessions import FULL_SCORES, OPINION, build_meeting
from tests.fixtures.sessions import MEETING_PARK as PARK

#: The rules a session stored when the store was first written (before ``outlier_*`` and
#: ``chair_scores`` existed): such a session must keep opening and reading the same.
FIRST_STORED_RULES = {
    "expert_display": "letters",
    "bands": [
        {"code": "excellent", "label": "优秀", "lower": 85.0, "outcome": "recommend"},
        {"code": "pass", "label": "通过", "lower": 60.0, "outcome": "recommend"},
        {"code": "fail", "label": "未通过", "lower": None, "outcome": "do_not_recommend"},
    ],
    "trim": 1,
    "score_min": 0.0,
    "score_max": 100.0,
}


def _stored_rules(directory) -> str:
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        return conn.execute("SELECT rules_json FROM session").fetchone()[0]
    finally:
        conn.close()


def _store_rules(directory, rules: dict) -> None:
    """Write a session's stored rules as another (older) version of the tool left them."""
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        conn.execute("UPDATE session SET rules_json = ?", (canonical_json(rules),))
        conn.commit()
    finally:
        conn.close()


# --- defaults in one place ---------------------------------------------------------------------


def test_the_defaults_are_the_fields_of_session_rules():
    rules = SessionRules()
    assert (rules.expert_display, rules.trim, rules.score_min, rules.score_max) == (
        "letters", 1, 0.0, 100.0)
    assert rules.bands == DEFAULT_BANDS and rules.chair_scores is False
    assert default_rules() == rules.to_dict()
    assert default_rules() is not default_rules()  # a fresh dict each time
    # the figures' defaults are the same values, not a second copy of them
    assert (DEFAULT_OUTLIER_Z, DEFAULT_OUTLIER_MIN_SD, DEFAULT_OUTLIER_MIN_EXPERTS) == (
        rules.outlier_z, rules.outlier_min_sd, rules.outlier_min_experts)
    assert FigureRules() == FigureRules.from_rules(rules) == FigureRules.from_dict({})


def test_a_new_session_stores_the_same_json_as_before(tmp_path):
    """The stored form of the defaults is a contract: older versions of the tool read it."""
    store = create_session(tmp_path / "s", name="x", actor=Actor.operator("t"))
    store.close()
    assert json.loads(_stored_rules(tmp_path / "s")) == {
        **FIRST_STORED_RULES,
        "outlier_z": 2.5,
        "outlier_min_sd": 5.0,
        "outlier_min_experts": 4,
        "chair_scores": False,
    }


def test_overrides_are_stored_as_given(tmp_path):
    store = create_session(tmp_path / "s", name="x", rules={"score_max": 10, "trim": 0})
    info = store.session(Actor.operator())
    store.close()
    stored = json.loads(_stored_rules(tmp_path / "s"))
    assert stored["score_max"] == 10 and isinstance(stored["score_max"], int)
    assert info.rules == stored  # the stored dict, as stored
    assert info.session_rules.score_max == 10.0 and info.session_rules.trim == 0
    assert "session_rules" not in dataclasses.asdict(info)  # the JSON the CLI prints


# --- frozen ---------------------------------------------------------------------------------------


def test_session_rules_are_frozen(tmp_path):
    rules = SessionRules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.trim = 3
    store = create_session(tmp_path / "s", name="x")
    info = store.session(Actor.operator())
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.session_rules.score_max = 10.0
    assert info.session_rules is info.session_rules  # read once
    store.close()


# --- checked, the refused rule named -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"trim": -1}, "trim"),
        ({"trim": 1.5}, "trim"),
        ({"expert_display": "initials"}, "expert_display"),
        ({"score_min": 100, "score_max": 0}, "score_min"),
        ({"outlier_z": 0}, "outlier_z"),
        ({"outlier_min_sd": float("inf")}, "outlier_min_sd"),
        ({"outlier_min_experts": 2}, "outlier_min_experts"),
        ({"chair_scores": "no"}, "chair_scores"),
        ({"bands": [{"code": "a", "label": "A", "lower": 60, "outcome": "recommend"}]}, "bands"),
        ({"bands": [{"code": "a", "lower": None, "outcome": "recommend"}]}, "bands"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_rule_is_named(given, named):
    with pytest.raises(InputError) as refused:
        SessionRules.from_dict(given)
    assert [where for where, _ in refused.value.problems] == [named]
    assert f"rules: {named}: " in str(refused.value)


def test_every_invalid_rule_is_named_at_once():
    with pytest.raises(InputError) as refused:
        check_rules({"trim": -1, "outlier_z": -2, "chair_scores": 1})
    assert [where for where, _ in refused.value.problems] == ["trim", "outlier_z", "chair_scores"]


def test_a_session_with_an_invalid_rule_is_not_created(tmp_path):
    with pytest.raises(InputError, match="outlier_min_experts"):
        create_session(tmp_path / "s", name="x", rules={"outlier_min_experts": 1})
    assert not (tmp_path / "s" / DB_NAME).exists()


def test_a_kept_figure_rule_is_checked_as_a_session_rule():
    kept = FigureRules().to_dict()
    assert FigureRules.from_dict({**kept, "criteria": []}) == FigureRules()  # other keys ignored
    with pytest.raises(FiguresError) as refused:
        FigureRules.from_dict({**kept, "outlier_z": 0})
    assert refused.value.name == "outlier_z"


def test_a_stored_rule_changed_behind_the_store_is_refused_on_open(tmp_path):
    store = create_session(tmp_path / "s", name="x")
    store.close()
    _store_rules(tmp_path / "s", {**default_rules(), "trim": -1, "outlier_z": 0})
    with pytest.raises(DatabaseDamaged) as refused:
        open_store(tmp_path / "s")
    message = str(refused.value)
    assert message.startswith(
        f"{tmp_path / 's' / DB_NAME}: 评审数据库文件已损坏（其中保存的评审规则无效：trim: ")
    assert "; outlier_z: " in message and "\n" not in message


# --- an old session's rules still read ---------------------------------------------------------


def test_an_old_stored_dict_reads_with_the_defaults():
    rules = SessionRules.from_stored(FIRST_STORED_RULES)
    assert rules.chair_scores is True  # its chair scored, and keeps scoring
    assert (rules.outlier_z, rules.outlier_min_sd, rules.outlier_min_experts) == (2.5, 5.0, 4)
    assert rules.bands[-1].lower == -math.inf
    assert chair_scores(FIRST_STORED_RULES) is True and chair_scores(default_rules()) is False
    assert SessionRules.from_dict(FIRST_STORED_RULES).chair_scores is False  # a new session


def test_an_old_session_opens_and_reads_its_rules(tmp_path):
    meeting = build_meeting(tmp_path / "s")
    meeting.store.close()
    _store_rules(meeting.dir, FIRST_STORED_RULES)
    before = _stored_rules(meeting.dir)
    store = open_store(meeting.dir)
    info = store.session(meeting.op)
    assert info.rules == FIRST_STORED_RULES
    assert info.session_rules.chair_scores is True
    # the chair of an old session scores: counted in the progress grid, may save a review
    assert meeting.chair.expert_id in {e.id for e in store.progress(meeting.op).experts}
    store.save_draft(meeting.chair, PARK, scores=FULL_SCORES, opinion=OPINION)
    assert FigureRules.from_session(info) == FigureRules()
    store.close()
    assert _stored_rules(meeting.dir) == before  # reading never rewrites what was stored
