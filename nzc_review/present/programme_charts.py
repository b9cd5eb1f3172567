"""The chart of the programme dashboard (matplotlib, Agg, the CJK font of
:mod:`nzc_review.present.charts`): applications by pilot type and step of the work plan.

Every number drawn is :meth:`nzc_review.present.programme_overview.ProgrammeOverview.by_type_and_stage`,
the counts the tables and the export show.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from nzc_review.present.charts import cjk_font
from nzc_review.present.programme_overview import ProgrammeOverview

#: One colour per step of 三、实施步骤, in order (and grey for a status the tool does not know).
STAGE_COLOURS = ("#90a4ae", "#5c6bc0", "#26a69a", "#66bb6a", "#ffa726", "#ef5350", "#bdbdbd")


def stage_figure(overview: ProgrammeOverview) -> Figure:
    """Horizontal bars, one per pilot type, split by the step each application is in."""
    cjk_font()
    table = overview.by_type_and_stage()
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(table) + 1.6), dpi=100)
    if not overview.total:
        ax.text(0.5, 0.5, "暂无申报项目", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    types = [t for t, _ in table]
    stages = [s for s, _ in table[0][1]]
    left = [0] * len(types)
    for i, stage in enumerate(stages):
        values = [dict(row)[stage] for _, row in table]
        ax.barh(types, values, left=left, color=STAGE_COLOURS[min(i, len(STAGE_COLOURS) - 1)],
                label=stage, height=0.6)
        for y, (x0, v) in enumerate(zip(left, values, strict=True)):
            if v:
                ax.text(x0 + v / 2, y, str(v), ha="center", va="center", fontsize=9)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlim(0, max(max(left), 1) * 1.08)
    ax.invert_yaxis()
    ax.set_xlabel("申报项目数")
    ax.set_title("各类试点申报项目所处阶段（河环发〔2023〕23号 三、实施步骤）", fontsize=11)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, ncol=min(len(stages), 4), loc="upper center",
              bbox_to_anchor=(0.5, -0.22), frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
