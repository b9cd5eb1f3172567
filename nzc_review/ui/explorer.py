"""The analysts' explorer (``panels/explorer.ipynb``): compare candidates, rank them with
adjustable weights, see how stable the ranking is, and try other targets (what-if).

The ranking criteria are figures of the automatic evaluation (:func:`candidate_matrix`):
projected reduction by the target year (benefit), probability of meeting the required
reduction (benefit), share of indicator targets met (benefit), average abatement cost
(cost) and items to supplement (cost); scored with TOPSIS (:func:`nzc_review.mcda.ranking.topsis`)
and the rank stability of :func:`nzc_review.mcda.ranking.rank_stability`.

Served by ``nzc-review serve``, the explorer compares the applications of the session — as
imported into the review store, at their current version — for the chair or an analyst
(:func:`explorer_panel` with their personal token); in JupyterLab, the application files of a
folder. Everything it says is Chinese (是/否, never True/False; the core gate as 通过 /
不通过（一票否决） / 待补充).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as w
import numpy as np

from nzc_review.evaluation.compliance import STATUS_ZH, evaluate_compliance
from nzc_review.evaluation.review_rules import gate_zh
from nzc_review.meeting.revision import show_value as value_zh
from nzc_review.ui.common import STYLE, message

#: Who may open the explorer of a served session (the server checks it first,
#: :data:`nzc_review.server.app.PAGE_ROLES`).
EXPLORER_ROLES = frozenset({"chair", "analyst"})

CRITERIA = [
    ("projected_reduction", "目标年预计降幅（%）", True),
    ("probability", "按期实现概率", True),
    ("targets_met", "目标达标指标占比", True),
    ("cost", "平均减排成本（元/吨）", False),
    ("gaps", "需补充材料（项）", False),
]


def candidate_figures(evaluations) -> np.ndarray:
    """``candidates × criteria`` figures of :data:`CRITERIA` (NaN where missing)."""
    rows = []
    for ev in evaluations:
        fc = ev.forecast
        indicators = ev.compliance.indicators
        rows.append([
            fc.projected_reduction_pct or 0.0,
            fc.probability_meets_target or 0.0,
            sum(r.target_status == "met" for r in indicators) / max(1, len(indicators)),
            ev.costs.average_cost_cny_per_tco2 if ev.costs.average_cost_cny_per_tco2 is not None
            else np.nan,
            float(len(ev.completeness.items_to_supplement)),
        ])
    return np.array(rows, dtype=float)


def candidate_matrix(evaluations) -> np.ndarray:
    """:func:`candidate_figures` ready for TOPSIS: a missing figure counts as the worst, and
    zeros are nudged to 1e-9 (vector normalisation needs a non-zero column)."""
    matrix = candidate_figures(evaluations)
    for j in range(matrix.shape[1]):  # a missing cost counts as the dearest
        column = matrix[:, j]
        if np.isnan(column).any():
            column[np.isnan(column)] = np.nanmax(column) if np.isfinite(column).any() else 1.0
    matrix[matrix <= 0] = 1e-9  # TOPSIS vector normalisation needs a non-zero column
    return matrix


def what_if(app, code: str, target):
    """Compliance and core gate of ``app`` with indicator ``code``'s target replaced."""
    from nzc_review.policy.application import IndicatorValue

    indicators = dict(app.indicators)
    current = indicators.get(code) or IndicatorValue()
    indicators[code] = current.model_copy(update={"target": target})
    return evaluate_compliance(app.model_copy(update={"indicators": indicators}))


class Explorer:
    """The explorer over ``applications`` (:class:`nzc_review.policy.application.Application`);
    ``evaluations`` by id when already computed (a served session's, cached per snapshot)."""

    def __init__(self, applications, evaluations=None):
        from nzc_review.evaluation.pipeline import evaluate_application

        self.apps = {a.id: a for a in applications}
        known = dict(evaluations or {})
        self.evaluations = {a.id: known.get(a.id) or evaluate_application(a)
                            for a in applications}
        options = [(f"{a.id}  {a.name}", a.id) for a in applications]
        self.pick = w.SelectMultiple(options=options, value=tuple(v for _, v in options),
                                     rows=min(8, len(options)), description="候选项目",
                                     layout=w.Layout(width="720px"))
        self.compare = w.HTML()
        self.sliders = [w.IntSlider(value=20, min=0, max=100, description=label,
                                    style={"description_width": "170px"},
                                    layout=w.Layout(width="520px"))
                        for _, label, _ in CRITERIA]
        self.ranking = w.HTML()
        self.stability = w.Image(format="png", layout=w.Layout(max_width="760px"))
        self.whatif_app = w.Dropdown(options=options, description="项目")
        self.whatif_code = w.Dropdown(description="指标")
        self.whatif_value = w.Text(description="新目标值", placeholder="数字，或 是/否")
        self.whatif_out = w.HTML()
        run = w.Button(description="试算")
        run.on_click(lambda _: self.run_what_if())
        self.pick.observe(lambda _: self.update(), names="value")
        for slider in self.sliders:
            slider.observe(lambda _: self.update_ranking(), names="value")
        self.whatif_app.observe(lambda _: self._codes(), names="value")
        tabs = w.Tab(children=[
            self.compare,
            w.VBox([w.HTML("<p>拖动滑块调整各准则权重（TOPSIS；成本、缺项为越小越好）。</p>"),
                    *self.sliders, self.ranking, self.stability]),
            w.VBox([w.HBox([self.whatif_app, self.whatif_code]),
                    w.HBox([self.whatif_value, run]), self.whatif_out]),
        ])
        for i, title in enumerate(["指标对比", "排序与稳定性", "目标试算"]):
            tabs.set_title(i, title)
        self.widget = w.VBox([w.HTML(f"{STYLE}<div class='nzc-panel'><h2>候选项目分析</h2></div>"),
                              self.pick, tabs])
        self._codes()
        self.update()

    def selected(self) -> list[str]:
        return list(self.pick.value)

    def update(self) -> None:
        self.compare.value = self.compare_html(self.selected())
        self.update_ranking()

    def compare_html(self, ids: list[str]) -> str:
        rows: dict[str, dict[str, str]] = {}
        names: dict[str, str] = {}
        for app_id in ids:
            for r in self.evaluations[app_id].compliance.indicators:
                names[r.code] = f"{r.code} {r.name_zh}"
                value = "—" if r.target is None else escape(value_zh(r.target))
                rows.setdefault(r.code, {})[app_id] = (
                    f"<span class='st-{r.target_status}'>{value}（{STATUS_ZH[r.target_status]}）"
                    "</span>")
        head = "".join(f"<th>{escape(i)}</th>" for i in ids)
        body = "".join(f"<tr><td>{escape(names[c])}</td>"
                       + "".join(f"<td>{rows[c].get(i, '')}</td>" for i in ids) + "</tr>"
                       for c in rows)
        return f"{STYLE}<div class='nzc-panel'><table><tr><th>指标（目标值）</th>{head}</tr>{body}</table></div>"

    def update_ranking(self) -> None:
        from nzc_review.mcda.ranking import rank_stability, topsis

        ids = self.selected()
        weights = np.array([s.value for s in self.sliders], dtype=float)
        if len(ids) < 2 or weights.sum() <= 0:
            self.ranking.value = "<p>请至少选择两个项目，并给至少一个准则权重。</p>"
            self.stability.value = b""
            return
        evaluations = [self.evaluations[i] for i in ids]
        matrix = candidate_matrix(evaluations)
        figures = candidate_figures(evaluations)
        benefit = np.array([b for _, _, b in CRITERIA])
        closeness = topsis(matrix, weights / weights.sum(), benefit)
        order = np.argsort(-closeness)
        rows = "".join(f"<tr><td>{rank}</td><td>{escape(ids[k])}</td>"
                       f"<td>{closeness[k]:.3f}</td>"
                       + "".join("<td>—</td>" if np.isnan(figures[k, j])
                                 else f"<td>{figures[k, j]:.3g}</td>" for j in range(len(CRITERIA)))
                       + "</tr>" for rank, k in enumerate(order, start=1))
        head = "".join(f"<th>{label}</th>" for _, label, _ in CRITERIA)
        self.ranking.value = (f"{STYLE}<div class='nzc-panel'><table><tr><th>名次</th><th>项目</th>"
                              f"<th>贴近度</th>{head}</tr>{rows}</table></div>")
        positive = np.where(weights > 0, weights, 1e-6)
        stability = rank_stability(matrix, positive / positive.sum(), benefit, n_samples=2000,
                                   top_k=1, seed=7)
        self.stability.value = _stability_png(ids, stability)

    def _codes(self) -> None:
        app = self.apps.get(self.whatif_app.value)
        if app is None:
            return
        self.whatif_code.options = [(f"{r.code} {r.name_zh}", r.code)
                                    for r in self.evaluations[app.id].compliance.indicators]

    def run_what_if(self) -> str:
        app = self.apps[self.whatif_app.value]
        code = self.whatif_code.value
        text = self.whatif_value.value.strip()
        target: object
        if text in {"是", "true", "True"}:
            target = True
        elif text in {"否", "false", "False"}:
            target = False
        else:
            try:
                target = float(text)
            except ValueError:
                self.whatif_out.value = "<p style='color:#b71c1c'>请输入数字，或 是/否</p>"
                return self.whatif_out.value
        evaluation = self.evaluations[app.id]
        before, veto = evaluation.compliance, evaluation.rules.veto
        after = what_if(app, code, target)
        old = next(r for r in before.indicators if r.code == code)
        new = next(r for r in after.indicators if r.code == code)
        self.whatif_out.value = (
            f"{STYLE}<div class='nzc-panel'><p>{escape(code)}：目标 {escape(value_zh(old.target))}"
            f"（{STATUS_ZH[old.target_status]}）→ {escape(value_zh(target))}"
            f"（{STATUS_ZH[new.target_status]}）；核心指标门槛 {gate_zh(before.core_gate, veto)} → "
            f"{gate_zh(after.core_gate, veto)}</p></div>")
        return self.whatif_out.value


def _stability_png(ids: list[str], stability) -> bytes:
    import matplotlib.pyplot as plt

    from nzc_review.present.charts import cjk_font, png_bytes

    cjk_font()
    fig, ax = plt.subplots(figsize=(8, 3.2), dpi=100)
    probability = stability.rank_probability[:, 0]
    ax.bar(ids, probability, color="#2e7d32")
    ax.set_ylabel("排名第一的概率")
    ax.set_ylim(0, 1)
    ax.set_title("权重不确定下的排名稳定性（Dirichlet 抽样 2,000 次）")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return png_bytes(fig)


def explorer_panel(folder: str | Path | None = None, token: str | None = None):
    """The explorer: over the served session's applications (``nzc-review serve`` sets
    ``NZC_SESSION_DIR``; ``token`` must be the chair's or an analyst's), else over every
    application file in ``folder``."""
    from nzc_review.ui.common import session_dir

    if session_dir():
        return session_explorer(token)
    if folder is None:
        return w.HTML(message("未指定申报文件夹（applications_dir）。", "error"))
    return folder_explorer(folder)


def session_applications(store, actor) -> tuple[list, dict]:
    """The session's applications at their current version, validated from the store's
    snapshots, and their evaluations (cached per snapshot, :func:`nzc_review.ui.common.
    evaluation_of`)."""
    from nzc_review.intake import validate_application
    from nzc_review.ui.common import evaluation_of

    apps, evaluations = [], {}
    for record in store.applications(actor):
        snapshot = store.application_snapshot(actor, record.id)
        apps.append(validate_application(snapshot, f"{record.id}@v{record.version}"))
        evaluations[record.id] = evaluation_of(store, actor, record.id)
    return apps, evaluations


def session_explorer(token: str | None):
    """The explorer over the applications of the served session, for the chair or an
    analyst; a clear message (no data) for anyone else."""
    from nzc_review.errors import NzcError
    from nzc_review.ui.common import open_session
    from nzc_review.ui.refusals import refusal_zh

    store, actor = open_session(token)
    if store is None:
        return w.HTML(message(actor, "error"))
    try:
        if actor.role not in EXPLORER_ROLES:
            return w.HTML(message("候选项目分析页面仅向组长和分析人员开放，请使用组长或分析人员的"
                                  "个人链接。", "error"))
        if store.session(actor).session_rules.is_acceptance:
            return w.HTML(message("候选项目分析用于申报评审；本会为专家验收会，请使用专家验收页面或"
                                  "组长看板。", "info"))
        try:
            apps, evaluations = session_applications(store, actor)
        except NzcError as exc:
            return w.HTML(message(refusal_zh(exc, "读取申报"), "error"))
    finally:
        store.close()
    if not apps:
        return w.HTML(message("本评审会尚未导入申报（nzc-review session import）。", "info"))
    return Explorer(apps, evaluations).widget


def folder_explorer(folder: str | Path):
    """The explorer over every application file in ``folder`` (JupyterLab)."""
    from nzc_review.errors import InputError
    from nzc_review.files.discover import discover
    from nzc_review.intake import load_application, supported_suffixes

    apps, seen = [], set()
    for path in discover([folder], supported_suffixes()):
        try:
            app = load_application(path)
        except InputError:
            continue
        if app.id not in seen:
            seen.add(app.id)
            apps.append(app)
    if not apps:
        return w.HTML(message(f"{folder} 中没有可读取的申报文件。", "info"))
    return Explorer(apps).widget
