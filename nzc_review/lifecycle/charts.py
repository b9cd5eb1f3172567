"""Charts of the lifecycle reports (matplotlib, Agg, CJK font from :mod:`nzc_review.present.charts`).

* :func:`trend_figure` — total emissions per year with the base-year level, the accepted target
  level and, per year, the re-review status (复核, 河环发〔2023〕23号 三、(三)2);
* :func:`acceptance_figure` — emissions from the base year to the operation year, with the
  required and committed levels (验收, 三、(二)2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from nzc_review.present.charts import cjk_font

STATUS_COLOURS = {"ok": "#2e7d32", "warning": "#f9a825", "exit": "#c62828"}
STATUS_ZH = {"ok": "正常", "warning": "预警", "exit": "建议取消称号"}


def _scale(values: list[float]) -> tuple[float, str]:
    peak = max((v for v in values if v is not None and math.isfinite(v)), default=0.0)
    return (1e4, "万吨CO2") if peak >= 1e5 else (1.0, "吨CO2")


def trend_figure(emissions: Mapping[int, float | None], *, base_year: int,
                 base_tco2: float | None, target_tco2: float | None = None,
                 status: Mapping[int, str] | None = None, title: str = "碳排放总量变化",
                 small: bool = False) -> Figure:
    """Total emissions per year; a missing year is marked on the axis (未披露)."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(7.2, 2.9) if small else (8, 3.8), dpi=110)
    years = sorted(emissions)
    known = [(y, emissions[y]) for y in years if emissions[y] is not None]
    if not known:
        ax.text(0.5, 0.5, "无披露数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    values = [v for _, v in known] + [v for v in (base_tco2, target_tco2) if v is not None]
    factor, unit = _scale(values)
    ax.plot([y for y, _ in known], [v / factor for _, v in known], "-", color="#37474f", lw=1.8,
            label="碳排放总量", zorder=2)
    for y, v in known:
        colour = STATUS_COLOURS.get((status or {}).get(y, ""), "#37474f")
        ax.plot([y], [v / factor], "o", color=colour, ms=7, zorder=3)
    if base_tco2 is not None:
        ax.axhline(base_tco2 / factor, color="#9a6324", lw=1, ls="--",
                   label=f"基准年（{base_year}年）水平")
    if target_tco2 is not None:
        ax.axhline(target_tco2 / factor, color="#1565c0", lw=1.2, ls=":", label="验收目标水平")
    missing = [y for y in years if emissions[y] is None]
    for y in missing:
        ax.annotate("未披露", (y, 0), xycoords=("data", "axes fraction"), xytext=(0, 4),
                    textcoords="offset points", ha="center", fontsize=8, color="#c62828")
        ax.axvline(y, color="#c62828", lw=0.8, ls=":", alpha=0.6)
    if status:
        for code in ("ok", "warning", "exit"):
            if code in status.values():
                ax.plot([], [], "o", color=STATUS_COLOURS[code], label=f"复核：{STATUS_ZH[code]}")
    ax.set_xticks(sorted({*years, *(y for y, _ in known)}))
    ax.set_ylim(bottom=0)
    ax.set_ylabel(unit)
    ax.set_title(title, fontsize=10 if small else 12)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7.5, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    fig.tight_layout()
    return fig


def acceptance_figure(result) -> Figure:
    """Emissions from the base year to the operation year, with the required and committed
    levels of total emissions where the pilot type has a total-emissions indicator."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    points = sorted(result.emissions.items())
    if not points:
        ax.text(0.5, 0.5, "无碳排放数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    values = [v for _, v in points] + [v for v in (result.required_tco2, result.committed_tco2)
                                       if v is not None]
    factor, unit = _scale(values)
    ax.plot([y for y, _ in points], [v / factor for _, v in points], "o-", color="#37474f",
            lw=1.8, label="碳排放总量")
    achieved = result.emissions.get(result.achieved_year)
    if achieved is not None:
        ax.plot([result.achieved_year], [achieved / factor], "D", ms=9,
                color="#2e7d32" if result.passed else "#c62828",
                label=f"运行年（{result.achieved_year}年）")
    if result.required_tco2 is not None:
        ax.axhline(result.required_tco2 / factor, color="#c62828", lw=1.2,
                   label=f"参考值要求（较{result.base_year}年下降"
                         f"{result.reduction['required_pct']:g}%）")
    if result.committed_tco2 is not None:
        ax.axhline(result.committed_tco2 / factor, color="#1565c0", lw=1, ls=":",
                   label=f"申报承诺（下降{result.reduction['committed_pct']:g}%）")
    period = result.period
    if period:
        ax.axvspan(period["start"] - 0.5, period["end"] + 0.5, color="#2e7d32", alpha=0.06,
                   label="建设期")
    ax.set_xticks([y for y, _ in points])
    ax.set_ylim(bottom=0)
    ax.set_ylabel(unit)
    ax.set_title("碳排放总量：基准年—运行年")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    fig.tight_layout()
    return fig
