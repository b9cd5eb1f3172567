"""Every input the store refuses, refused by :mod:`nzc_review.store.validate` before anything is
written: the field named, a code a panel can say in Chinese, nothing changed."""

from __future__ import annotations

import pytest

from nzc_review.errors import InputError
from nzc_review.store import (
    DEFAULT_CRITERIA,
    Actor,
    Criterion,
    InvalidField,
    SQLiteStore,
    StoreError,
    create_session,
)
from nzc_review.store import validate as v
from tests.fixtures.applications import application
from tests.fixtures.sessions import MEETING_PARK as PARK


def _events(m) -> int:
    return len(m.store.events(m.op))


# --- one-field texts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "limit"),
    [(None, "empty", None), ("  \n", "empty", None), (7, "not_text", None),
     ("x" * 11, "too_long", 10)],
)
def test_check_text_names_the_field_and_why(value, code, limit):
    with pytest.raises(InvalidField) as refused:
        v.check_text(value, "reason", limit=10)
    assert (refused.value.field, refused.value.code, refused.value.limit) == ("reason", code, limit)


def test_check_text_trims_and_lets_an_optional_field_be_empty():
    assert v.check_text("  理由 ", "reason") == "理由"
    assert v.check_text(" ", "title", required=False) is None
    assert v.check_text("x" * 10, "reason", limit=10) == "x" * 10


def test_a_reason_or_note_longer_than_the_limit_is_refused(m):
    long = "长" * (v.MAX_REASON + 1)
    before = _events(m)
    with pytest.raises(InvalidField) as refused:
        m.store.declare_conflict(m.a, PARK, long)
    assert (refused.value.code, refused.value.limit) == ("too_long", v.MAX_REASON)
    with pytest.raises(InvalidField, match="note"):
        m.store.finalize(m.chair, PARK, note=long)
    assert _events(m) == before


# --- people and conflicts of interest ---------------------------------------------------------


def test_an_unknown_role_is_a_bad_choice(m):
    with pytest.raises(InvalidField) as refused:
        m.store.add_expert(m.op, name="x", organisation="y", role="boss")
    assert (refused.value.field, refused.value.code) == ("role", "bad_choice")
    clean = v.check_expert(name=" 甲 ", organisation="乙", role="expert", county=" ")
    assert clean == {"name": "甲", "organisation": "乙", "title": None, "field": None,
                     "county": None, "role": "expert"}


def test_a_conflict_decision_is_confirm_or_waive():
    assert v.check_decision("waive") == "waive"
    with pytest.raises(InputError, match="decision: expected confirm or waive, got 'ignore'"):
        v.check_decision("ignore")


def test_the_operator_must_name_who_has_the_conflict(m):
    before = _events(m)
    with pytest.raises(InputError, match="expert_id: name the expert"):
        m.store.declare_conflict(m.op, PARK, "亲属在申报单位任职")
    assert _events(m) == before
    assert v.conflict_expert(None, 4) == 4 and v.conflict_expert(2, None) == 2


# --- applications, settings, the audit head ---------------------------------------------------


@pytest.mark.parametrize("digest", ["abc", "1" * 63, None])
def test_an_import_needs_the_files_sha256(m, digest):
    before = len(m.store.applications(m.op))
    with pytest.raises(InputError, match="content_sha256: expected 64 hex digits"):
        m.store.import_application(
            m.op, application("HC-2024-XY-001", "campus", "某学院"), content_sha256=digest,
            source_name="campus.yaml")
    assert len(m.store.applications(m.op)) == before


def test_synchronous_is_one_sqlite_accepts(m):
    with pytest.raises(StoreError, match="synchronous must be FULL, NORMAL or EXTRA, got 'OFF'"):
        SQLiteStore(m.dir, synchronous="OFF")
    assert v.check_synchronous("normal") == "NORMAL"


def test_a_head_is_count_colon_hash(m):
    with pytest.raises(InputError, match="--head"):
        m.store.verify(m.op, head="not a head")
    assert m.store.verify(m.op, head=m.store.audit_head(m.op)).ok


def test_criteria_may_be_given_as_criterion_records(tmp_path):
    given = [Criterion("a", "甲", "A", 3), Criterion("b", "乙", "B", 1)]
    assert [c.weight for c in v.parse_criteria(given)] == [0.75, 0.25]
    store = create_session(tmp_path / "s", name="x", criteria=DEFAULT_CRITERIA[:2])
    assert [c.id for c in store.session(Actor.operator()).criteria] == ["foundation", "targets"]
    store.close()


# --- the consensus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"opinion": 3}, "opinion", "not_text"),
        ({"minority": "长" * (v.MAX_TEXT + 1)}, "minority", "too_long"),
        ({"recommendation": "yes"}, "recommendation", "bad_choice"),
    ],
)
def test_the_consensus_refuses_each_field(m, kwargs, field, code):
    given = {"opinion": "同意。", "recommendation": "recommend", **kwargs}
    with pytest.raises(InvalidField) as refused:
        m.store.set_consensus(m.chair, PARK, **given)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert m.store.consensus(m.chair, PARK) is None


# --- scores and weights ---------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["scores", "weights"])
def test_a_criterion_given_by_id_and_by_name_is_refused(m, part):
    with pytest.raises(InputError, match="criterion given twice"):
        m.store.save_draft(m.a, PARK, **{part: {"foundation": 50, "建设基础": 60}})
    assert m.store.my_review(m.a, PARK) is None
