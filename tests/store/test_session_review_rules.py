"""A session keeps its review rules (``session create --rules FILE``): stored with the session,
refused with the field named, read with the defaults by a session stored before they existed,
and followed by the session's evaluation cache, whose key changes with them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest
import yaml

from nzc_review.cli.main import main
from nzc_review.errors import InputError
from nzc_review.evaluation import cache
from nzc_review.evaluation.plausibility import PlausibilityRules
from nzc_review.evaluation.review_rules import (
    NoticeRule,
    ReviewRules,
    load_review_rules,
    review_rules_from_mapping,
)
from nzc_review.evaluation.verdict import VerdictRules, VetoRule
from nzc_review.store import DB_NAME, Actor, SessionRules, open_store
from nzc_review.store.validate import check_rules
from tests.fixtures.applications import FAST_DUMPER
from tests.fixtures.sessions import COMMUNITY, build_session

FLAG_ONLY = {"veto": {"action": "flag_only"}, "verdict": {"min_probability": 0.7}}


def _rules_file(tmp_path, data) -> str:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.dump(data, allow_unicode=True, Dumper=FAST_DUMPER), encoding="utf-8")
    return str(path)


def _stored(directory) -> dict:
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        return json.loads(conn.execute("SELECT rules_json FROM session").fetchone()[0])
    finally:
        conn.close()


def test_session_create_keeps_the_rules_file(tmp_path, capsys):
    rules = _rules_file(tmp_path, FLAG_ONLY)
    assert main(["session", "create", str(tmp_path / "s"), "--name", "评审会",
                 "--rules", rules]) == 0
    assert "评审规则 review rules: " in capsys.readouterr().out
    stored = _stored(tmp_path / "s")["review"]
    assert stored["format"] == "nzc-review-rules/1"
    assert stored["veto"] == {"enabled": True, "action": "flag_only"}
    store = open_store(tmp_path / "s")
    try:
        assert store.session(Actor.operator()).session_rules.review == load_review_rules(rules)
    finally:
        store.close()


def test_a_session_at_the_defaults_stores_no_review_rules_and_reads_the_defaults(tmp_path):
    assert main(["session", "create", str(tmp_path / "s"), "--name", "x"]) == 0
    assert "review" not in _stored(tmp_path / "s")  # the JSON older versions wrote
    store = open_store(tmp_path / "s")
    try:
        assert store.session(Actor.operator()).session_rules.review == ReviewRules()
    finally:
        store.close()
    old = {"expert_display": "letters", "trim": 1}  # stored before the review rules existed
    assert SessionRules.from_stored(old).review == ReviewRules()


def test_a_bad_rules_file_names_the_field_and_creates_nothing(tmp_path, capsys):
    rules = _rules_file(tmp_path, {"public_notice": {"veto_removes": "sometimes"}})
    assert main(["session", "create", str(tmp_path / "s"), "--name", "x",
                 "--rules", rules]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rules.yaml: public_notice.veto_removes: expected true or false")
    assert "Traceback" not in err and not (tmp_path / "s").exists()


def test_stored_review_rules_are_checked_with_the_field_named():
    with pytest.raises(InputError) as refused:
        check_rules({"review": {"veto": {"action": "remove"}, "verdict": {"min_probability": 2}}})
    assert [where for where, _ in refused.value.problems] == [
        "review.veto.action", "review.verdict.min_probability"]


# --- the evaluation cache follows the session's rules ------------------------------------------------


@pytest.fixture
def sessions(tmp_path):
    """The same application in a session at the defaults and in one with the veto a flag."""
    made = {}
    for name, review in (("default", None), ("flag", FLAG_ONLY)):
        rules = {"chair_scores": True}
        if review is not None:
            rules["review"] = review
        made[name] = build_session(tmp_path / name, name=name, date="2024-06-30", rules=rules,
                                   examples=("community-fail",))
    yield made
    for s in made.values():
        s.store.close()


def test_the_session_rules_decide_the_cached_evaluation_and_its_key(sessions):
    from nzc_review.ui.common import evaluation_of

    verdicts, keys = {}, {}
    for name, s in sessions.items():
        snapshot = cache.canonical_snapshot(s.store.application_snapshot(s.op, COMMUNITY))
        rules = cache.session_rules_json(s.store, s.op)
        keys[name] = cache.version_key(snapshot, rules)
        assert cache.warm_session_cache(s.dir) == 1
        files = sorted(p.name for p in (s.dir / cache.CACHE_DIR).iterdir())
        assert files == [f"{keys[name]}.json", f"{keys[name]}.png"]
        cached = cache.evaluation_from_json(
            (s.dir / cache.CACHE_DIR / f"{keys[name]}.json").read_text(encoding="utf-8"))
        assert evaluation_of(s.store, s.op, COMMUNITY) == cached  # what the panels show
        verdicts[name] = cached.verdict
    assert keys["default"] == cache.version_key(snapshot)  # the defaults: the old key
    assert keys["flag"] != keys["default"]
    assert verdicts["default"].level == "不可行" and verdicts["default"].flags == []
    assert verdicts["flag"].level == "基本可行"
    assert [f.rule for f in verdicts["flag"].flags] == ["N1"]


def test_the_key_changes_with_each_rule_that_changes_an_evaluation_only():
    snapshot = '{"id":"x"}'
    base = ReviewRules()
    changed = [
        replace(base, veto=VetoRule(enabled=False)),
        replace(base, veto=VetoRule(action="flag_only")),
        replace(base, verdict=VerdictRules(min_probability=0.5)),
        replace(base, verdict=VerdictRules(disagreement_tolerance_pct=10)),
        replace(base, verdict=VerdictRules(clean_energy_majority_pct=60)),
        replace(base, plausibility=PlausibilityRules(first_batch_deadline=2026)),
        replace(base, plausibility=PlausibilityRules(min_bau_growth_rate=-0.01)),
        base.with_accounting(basis="green_deducted"),
        base.with_accounting(grid_factor="data_year"),
    ]
    keys = {cache.version_key(snapshot, cache.rules_json(r)) for r in changed}
    assert len(keys) == len(changed) and cache.version_key(snapshot) not in keys
    # the 公示名单 rule changes no evaluation: the same key
    listed = replace(base, public_notice=NoticeRule(veto_removes=True))
    assert cache.version_key(snapshot, cache.rules_json(listed)) == cache.version_key(snapshot)


def test_the_veto_mode_is_kept_with_the_finalized_figures_rule():
    from nzc_review.store.figures import FigureRules, FiguresError

    rules = SessionRules(review=review_rules_from_mapping(FLAG_ONLY))
    kept = FigureRules.from_rules(rules).to_dict()
    assert kept["veto"] == "flag_only"
    assert FigureRules.from_dict(kept).recommendation.veto == "flag_only"
    older = {k: v for k, v in kept.items() if k != "veto"}  # kept before the rule existed
    assert FigureRules.from_dict(older).recommendation.veto == "lower_verdict"
    with pytest.raises(FiguresError) as refused:
        FigureRules.from_dict({**kept, "veto": "remove"})
    assert refused.value.name == "veto"
