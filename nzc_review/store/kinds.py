"""What a panel says that depends on the session's kind: one place for the wording.

The same store, panels and reports serve two meetings (:attr:`nzc_review.store.rules.SessionRules.kind`):

* a **review** (专家评审, 河环发〔2023〕23号 三、(一)2 项目遴选) of applications, whose outcomes are
  推荐 / 修改完善后推荐 / 不推荐;
* an expert **acceptance** meeting (验收, 三、(二)2 “由市生态环境局会同市级主管部门组织专家开展验收
  工作”) of self-evaluation reports, whose outcomes are 通过验收 / 不通过验收.

Every label of the expert's form, the chair's dashboard and the opinion report that differs
between them is a field of :class:`Wording`; :func:`wording` gives the one of a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from nzc_review.store.records import RECOMMENDATION_ZH, RECOMMENDATIONS_OF_KIND

__all__ = ["WORDING", "Wording", "wording"]


@dataclass(frozen=True)
class Wording:
    """The words of one kind of meeting (Chinese, as a person reads them)."""

    kind: str
    meeting: str            # 评审会 / 验收会
    doing: str              # 评审 / 验收
    item: str               # 申报项目 / 验收项目: what the panel judges
    form_title: str         # the expert's page
    form_intro: str
    tabs: tuple[str, ...]   # the expert's tabs (automatic evaluation, indicators, weights, …)
    criteria: str           # 评审要点 / 验收要点
    opinion: str            # the expert's written opinion
    choice: str             # the expert's recommendation (推荐意见 / 验收结论)
    votes: str              # the experts' own recommendations, tallied
    consensus: str          # the chair's consensus opinion
    conclusion: str         # the panel's conclusion (推荐结论 / 验收结论)
    submit: str             # the expert's submit button
    progress: str           # the progress grid
    report: str             # the report a finalization makes
    report_title: str       # its title

    @property
    def outcomes(self) -> list[tuple[str, str]]:
        """The recommendations an expert and the chair choose from: ``(label, code)``, best
        first."""
        return [(RECOMMENDATION_ZH[c], c) for c in RECOMMENDATIONS_OF_KIND[self.kind]]

    def missing_choice(self) -> str:
        """What a submission without a recommendation lacks."""
        return f"请在“{self.tabs[-1]}”页选择{self.choice}"


WORDING: dict[str, Wording] = {
    "review": Wording(
        kind="review", meeting="评审会", doing="评审", item="申报项目", form_title="专家评审",
        form_intro="请阅读自动评估结果，设置评审要点权重、评分并填写评审意见。每项内容自动保存。",
        tabs=("自动评估", "指标达标", "权重", "评分", "评审意见"), criteria="评审要点",
        opinion="评审意见", choice="推荐意见", votes="个人推荐意见", consensus="专家组评审意见",
        conclusion="推荐结论", submit="提交评审", progress="评审进度",
        report="专家组评审意见报告", report_title="专家组评审意见"),
    "acceptance": Wording(
        kind="acceptance", meeting="验收会", doing="验收", item="验收项目", form_title="专家验收",
        form_intro="请阅读自动验收评价结果，设置验收要点权重、评分并填写验收意见。每项内容自动保存。",
        tabs=("自动验收评价", "指标完成情况", "权重", "评分", "验收意见"), criteria="验收要点",
        opinion="验收意见", choice="验收结论", votes="个人验收结论", consensus="专家组验收意见",
        conclusion="验收结论", submit="提交验收意见", progress="验收进度",
        report="验收意见报告", report_title="近零碳排放区试点验收意见"),
}


def wording(kind: object = "review") -> Wording:
    """The wording of a session's kind: ``kind`` is ``review`` / ``acceptance``, or anything
    with a ``kind`` (a :class:`~nzc_review.store.records.SessionInfo`) or ``session_rules``."""
    if not isinstance(kind, str):
        kind = getattr(kind, "kind", None) or getattr(getattr(kind, "session_rules", None),
                                                     "kind", "review")
    return WORDING.get(str(kind), WORDING["review"])
