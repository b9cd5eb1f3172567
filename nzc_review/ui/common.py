"""Shared pieces of the panels: session access, the token from the URL, evaluation summaries."""

from __future__ import annotations

import os
from functools import lru_cache
from html import escape
from urllib.parse import parse_qs

from nzc_review.store import StoreError

STYLE = """
<style>
.nzc-panel { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif; }
.nzc-panel table { border-collapse: collapse; font-size: 13px; }
.nzc-panel th, .nzc-panel td { border: 1px solid #ccc; padding: 3px 6px; }
.nzc-panel th { background: #eef3ee; }
.nzc-msg { padding: 12px 16px; border-radius: 6px; font-size: 15px; margin: 8px 0; }
.nzc-msg.error { background: #fdecea; color: #b71c1c; border: 1px solid #f5c2c0; }
.nzc-msg.info { background: #e8f0fe; color: #174ea6; }
.nzc-msg.ok { background: #e6f4ea; color: #1e4620; }
.st-submitted { color: #1b5e20; font-weight: 600; } .st-draft { color: #8d6e00; }
.st-not_started { color: #777; } .st-recused { color: #6a1b9a; }
</style>
"""


def session_dir() -> str | None:
    """The review session folder, from ``$NZC_SESSION_DIR`` (set by ``nzc-review serve``)."""
    return os.environ.get("NZC_SESSION_DIR")


def token_from_query(query: str | None) -> str | None:
    """The ``token`` of a URL query string (``token=…``), or ``None``."""
    values = parse_qs(query or "").get("token")
    return values[0].strip() if values and values[0].strip() else None


def message(text: str, kind: str = "info") -> str:
    return f"{STYLE}<div class='nzc-panel'><div class='nzc-msg {kind}'>{escape(text)}</div></div>"


def open_session(token: str | None):
    """``(store, actor)`` for a personal token, or ``(None, message)`` when refused.

    A missing or bad token never reveals anything about the session.
    """
    from nzc_review.store import open_store

    folder = session_dir()
    if not folder:
        return None, "未配置评审会（NZC_SESSION_DIR）。请使用 nzc-review serve 启动。"
    if not token:
        return None, "链接缺少个人访问令牌。请使用评审会秘书发给您的个人链接。"
    try:
        store = open_store(folder)
    except StoreError:
        return None, "评审会数据无法打开，请联系评审会秘书。"
    try:
        actor = store.authenticate(token)
    except StoreError:
        store.close()
        return None, "个人链接无效或已失效，请联系评审会秘书获取新链接。"
    return store, actor


def criteria_guidance() -> dict[str, dict]:
    """Scoring guidance per criterion name, the review's (``catalog/review_criteria.yaml``)
    and the acceptance criteria's (``catalog/acceptance_criteria.yaml``):
    :func:`nzc_review.policy.criteria.scoring_guidance`."""
    from nzc_review.policy.criteria import scoring_guidance

    return scoring_guidance()


def _session_folder(store) -> str | None:
    """The session folder of a store (where its evaluation cache lives), ``None`` if it has
    none."""
    location = getattr(store, "location", None)
    return str(location) if location is not None else None


@lru_cache(maxsize=64)
def _evaluation(folder: str | None, snapshot_json: str, rules_json: str):
    from nzc_review.evaluation.cache import load_evaluation

    return load_evaluation(folder, snapshot_json, rules_json)


def _snapshot_key(store, actor, app_id: str) -> str:
    from nzc_review.evaluation.cache import canonical_snapshot

    return canonical_snapshot(store.application_snapshot(actor, app_id))


def _rules_key(store, actor) -> str:
    """The session's review rules that change an evaluation
    (:func:`nzc_review.evaluation.cache.session_rules_json`)."""
    from nzc_review.evaluation.cache import session_rules_json

    return session_rules_json(store, actor)


def evaluation_of(store, actor, app_id: str):
    """The automatic evaluation of an application's current version under the session's
    review rules: computed once per version and kept in the session folder
    (:mod:`nzc_review.evaluation.cache`), then in memory."""
    return _evaluation(_session_folder(store), _snapshot_key(store, actor, app_id),
                       _rules_key(store, actor))


@lru_cache(maxsize=64)
def _acceptance(snapshot_json: str, rules_json: str, source: str):
    import json

    from nzc_review.lifecycle.session import evaluate_for_session
    from nzc_review.store import SessionRules

    rules = SessionRules.from_stored(json.loads(rules_json))
    return evaluate_for_session(json.loads(snapshot_json), rules, source)


def acceptance_of(store, actor, app_id: str):
    """The automatic acceptance evaluation of a self-evaluation report in an acceptance meeting
    (:func:`nzc_review.lifecycle.session.evaluate_for_session`, under the session's rules),
    computed once per version in this kernel."""
    import json

    session = store.session(actor)
    rules_json = json.dumps(session.session_rules.to_dict(), sort_keys=True, ensure_ascii=False)
    return _acceptance(_snapshot_key(store, actor, app_id), rules_json, app_id)


def automatic_evaluation(store, actor, app_id: str):
    """What the panels show an application by: its evaluation (:func:`evaluation_of`) in a
    review, the acceptance evaluation (:func:`acceptance_of`) in an acceptance meeting."""
    if store.session(actor).session_rules.is_acceptance:
        return acceptance_of(store, actor, app_id)
    return evaluation_of(store, actor, app_id)


@lru_cache(maxsize=64)
def _forecast_png(folder: str | None, snapshot_json: str, rules_json: str) -> bytes:
    from nzc_review.evaluation.cache import load_forecast_png

    return load_forecast_png(folder, snapshot_json, rules=rules_json)


def forecast_png(store, actor, app_id: str) -> bytes:
    """The forecast chart of an application's current version, as PNG (cached as the
    evaluation)."""
    return _forecast_png(_session_folder(store), _snapshot_key(store, actor, app_id),
                         _rules_key(store, actor))


def preload() -> int:
    """Read every application's evaluation and chart of the session into memory ahead of time.

    Called while Voila pre-heats a kernel (before anyone connects): the figures come from the
    session's evaluation cache, which ``nzc-review serve`` fills before the server starts, so
    this costs the imports a panel needs and reading a few files. Returns how many were read.
    """
    from nzc_review.store import Actor, open_store

    folder = session_dir()
    if not folder or os.environ.get("VOILA_PREHEAT", "False") == "False":
        return 0  # only worth it in a pre-heated kernel: a visitor would wait for all of it
    try:
        store = open_store(folder)
    except StoreError:
        return 0
    try:
        actor = Actor.operator("panel-preload")
        apps = store.applications(actor)
        acceptance = store.session(actor).session_rules.is_acceptance
        for app in apps:
            if acceptance:
                acceptance_of(store, actor, app.id)
                continue
            evaluation_of(store, actor, app.id)
            forecast_png(store, actor, app.id)
        return len(apps)
    finally:
        store.close()


def evaluation_summary_html(ev) -> str:
    """Verdict, core gate, failed and missing indicators: what an expert reads first."""
    from nzc_review.policy import catalog
    from nzc_review.present import evaluation_report as report
    from nzc_review.ui.messages import value_zh

    failed = [r for r in ev.compliance.indicators if r.target_status == "not_met"]
    missing = [r for r in ev.compliance.indicators
               if r.type == "core" and r.target_status in {"missing", "needs_review"}]
    lines = "".join(f"<li><b>{r.code}</b> {escape(r.name_zh)}：目标 {escape(value_zh(r.target))}，"
                    f"参考值 {escape(catalog.display_reference(r.reference))}</li>"
                    for r in failed) or "<li>无</li>"
    gaps = "".join(f"<li><b>{r.code}</b> {escape(r.name_zh)}</li>" for r in missing) or "<li>无</li>"
    return (report.style() + report.verdict_block(ev)
            + f"<div class='nzc'><h3>目标未达参考值的指标</h3><ul>{lines}</ul>"
            f"<h3>核心指标缺失或需核定</h3><ul>{gaps}</ul></div>")
