"""What the panels of an acceptance meeting show of a self-evaluation report: the automatic
acceptance evaluation (:func:`nzc_review.lifecycle.session.evaluate_for_session`), in the
fragments of the acceptance evaluation report (:mod:`nzc_review.lifecycle.report`), where a
review shows the application's evaluation.

* :func:`acceptance_overview_html` — the first tab: the automatic conclusion (通过验收 / 不通过),
  the core indicators, the score and grade, the key projects done, the reduction, every reason;
* :func:`acceptance_details_html` — the second tab: each indicator's achieved value against its
  reference value and the committed target, the innovative indicators, the key projects, the
  accounting and disclosure checks and the score's parts;
* :func:`acceptance_veto_html` — the chair's flag beside the conclusion when a core indicator's
  achieved value misses its reference value (一票否决, the tool's rule: the panel decides).
"""

from __future__ import annotations

from html import escape

__all__ = ["acceptance_details_html", "acceptance_overview_html", "acceptance_veto_html"]


def acceptance_overview_html(res) -> str:
    """The automatic acceptance evaluation in short (what an expert reads first)."""
    from nzc_review.lifecycle import report as lc

    return (lc.style() + lc.acceptance_verdict(res)
            + "<div class='nzc'><p class='note'>以上为按自我评价报告与申报承诺自动比对的验收评价结果"
            "（nzc-review accept），供专家组参考；验收结论以专家组意见为准。</p></div>")


def acceptance_details_html(res) -> str:
    """Indicators, innovative indicators, key projects, accounting and disclosure checks, score."""
    from nzc_review.lifecycle import report as lc

    return (lc.style() + lc.acceptance_indicators(res) + lc.acceptance_projects(res)
            + lc.acceptance_accounting(res) + lc.acceptance_score(res))


def acceptance_veto_html(res, veto) -> str:
    """The veto flag of the chair's dashboard (``""`` when no core indicator's achieved value
    misses its reference value, or the session's review rules switch the veto off)."""
    if res.core_gate != "fail" or not veto.enabled:
        return ""
    failed = "、".join(r.code for r in res.indicators
                      if r.type == "core" and r.reference_status == "not_met")
    return ("<span style='color:#b71c1c;font-weight:700'>一票否决提示：核心指标 "
            f"{escape(failed)} 实际值未达到参考值</span><br><span style='color:#555;"
            f"font-size:12px'>{escape(veto.describe_zh())}；验收结论以专家组结论为准</span>")
