"""Static charts (matplotlib, Agg) with a CJK font: the forecast and the abatement cost curve.

Chinese labels need a CJK font; Debian's ``fonts-noto-cjk`` provides Noto Sans CJK. When no CJK
font is found the charts are still drawn and :func:`cjk_font` returns ``None`` (the labels
would show as boxes, so callers may warn).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.layout_engine import PlaceHolderLayoutEngine  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from nzc_review.evaluation.cost import CostResult  # noqa: E402
from nzc_review.evaluation.forecast import Forecast  # noqa: E402
from nzc_review.evaluation.risk import RiskResult  # noqa: E402

#: PNG options of every chart: zlib's fastest level. The level changes the file, never its pixels;
#: level 1 encodes a report chart in about 18 ms against 26 ms at Pillow's default (6), for a
#: file within 2 % of the size.
PNG_OPTIONS = {"compress_level": 1}

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")


@cache
def cjk_font() -> str | None:
    """The first installed CJK font family, configured as matplotlib's sans-serif font."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    family = next((f for f in CJK_FAMILIES if f in installed), None)
    if family is None:
        for path in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",):
            if Path(path).exists():
                font_manager.fontManager.addfont(path)
                family = "Noto Sans CJK JP"
                break
    if family:
        plt.rcParams["font.sans-serif"] = [family, *plt.rcParams["font.sans-serif"]]
        plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    return family


def forecast_figure(forecast: Forecast, risk: RiskResult | None = None) -> Figure:
    """BAU, plan, the P10–P90 band and the required and committed target lines, per year."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    rows = forecast.years
    if not rows:
        ax.text(0.5, 0.5, "数据不足，无法预测", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    years = [r.year for r in rows]
    history = sorted((y, v) for y, v in _accounted(forecast).items())
    if history:
        ax.plot([y for y, _ in history], [v / 1e4 for _, v in history], "o-", color="#333333",
                label="历史核算排放")
    ax.plot(years, [r.bau_tco2 / 1e4 for r in rows], "--", color="#9a6324", label="基准情景（BAU）")
    ax.plot(years, [r.plan_tco2 / 1e4 for r in rows], "-", color="#2e7d32", lw=2.2,
            label="规划情景")
    if risk and risk.years:
        ax.fill_between(risk.years, [v / 1e4 for v in risk.p10_tco2],
                        [v / 1e4 for v in risk.p90_tco2], color="#2e7d32", alpha=0.15,
                        label="风险模拟 P10–P90")
    if rows[0].required_tco2 is not None:
        ax.axhline(rows[0].required_tco2 / 1e4, color="#c62828", lw=1.4,
                   label=f"达标线（较{forecast.base_year}年下降{forecast.required_reduction_pct:g}%）")
    if rows[0].committed_tco2 is not None:
        ax.axhline(rows[0].committed_tco2 / 1e4, color="#1565c0", lw=1, ls=":",
                   label=f"申报目标（下降{forecast.committed_reduction_pct:g}%）")
    ax.set_xlabel("年份")
    ax.set_ylabel("碳排放量（万吨CO2）")
    from nzc_review.evaluation.basis import BASIS_ZH, HELD

    factor = f"按{forecast.base_year}年电网因子" if forecast.grid_factor == HELD else "按数据年电网因子"
    ax.set_title(f"情景预测：碳排放总量（{BASIS_ZH[forecast.basis]}，{factor}）")
    all_years = sorted({*years, *(y for y, _ in history)})
    ax.set_xticks(all_years)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return fig


def _accounted(forecast: Forecast) -> dict[int, float]:
    out = {r.year: r.accounted_tco2 for r in forecast.years if r.accounted_tco2 is not None}
    if forecast.base_tco2 is not None:
        out[forecast.base_year] = forecast.base_tco2
    return out


def macc_figure(costs: CostResult) -> Figure:
    """Marginal abatement cost curve: width = yearly reduction, height = cost per tCO2.

    Each bar carries its number only; the legend below names the projects with their cost,
    so labels never overlap however narrow a bar is. Projects that reduce nothing on the run's
    accounting basis (a green-power purchase under ``location``) are not on the curve; the
    title names the basis and them (:mod:`nzc_review.evaluation.cost`)."""
    from nzc_review.evaluation.basis import BASIS_ZH

    cjk_font()
    curve = costs.curve()
    rows = (len(curve) + 1) // 2
    fig, ax = plt.subplots(figsize=(8, 3.4 + 0.22 * rows), dpi=110)
    left_out = [p.name for p in costs.projects if not p.counted]
    if not curve:
        ax.text(0.5, 0.5, "无可计算单位减排成本的重点项目"
                + ("（未计入：" + "、".join(left_out) + "，本口径下不减少核算排放）" if left_out
                   else "（缺少投资或减排量数据）"),
                ha="center", va="center", transform=ax.transAxes, wrap=True)
        ax.set_axis_off()
        return fig
    x = 0.0
    palette = plt.get_cmap("tab10")
    top = max(p.cost_cny_per_tco2 for p in curve) or 1.0
    handles = []
    for i, p in enumerate(curve):
        width = p.reduction_tco2_per_year / 1e4
        handles.append(ax.add_patch(Rectangle(
            (x, 0), width, p.cost_cny_per_tco2, color=palette(i % 10), alpha=0.8,
            label=f"{i + 1}. {p.name}（{p.cost_cny_per_tco2:,.0f} 元/吨）")))
        ax.text(x + width / 2, p.cost_cny_per_tco2 + top * 0.02, str(i + 1), ha="center",
                va="bottom", fontsize=8)
        x += width
    ax.set_xlim(0, x * 1.02)
    ax.set_ylim(0, top * 1.15)
    ax.legend(handles=handles, fontsize=8, ncols=2, loc="upper center",
              bbox_to_anchor=(0.5, -0.16), frameon=False)
    ax.set_xlabel("累计年减排量（万吨CO2/年）")
    ax.set_ylabel("单位减排成本（元/吨CO2）")
    title = (f"边际减排成本曲线（{BASIS_ZH[costs.basis]}口径，折现率 {costs.discount_rate:.0%}，"
             "年化投资）")
    if left_out:
        title += "\n未计入（本口径下不减少核算排放）：" + "、".join(left_out)
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def emissions_figure(accounting) -> Figure:
    """Accounted emissions by source and year (stacked bars), with declared totals."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    years = list(accounting.years)
    if not years:
        ax.text(0.5, 0.5, "未提供能源活动数据", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    from nzc_review.evaluation.accounting import FIELD_ZH, source_zh

    # every source of the accounting (fuels, other fuels by name, electricity, heat, process)
    present = dict.fromkeys(k for y in years for k in accounting.years[y].by_source_tco2)
    labels = {k: source_zh(k) for k in [*(k for k in FIELD_ZH if k in present),
                                         *(k for k in present if k not in FIELD_ZH)]}
    bottom = [0.0] * len(years)
    palette = plt.get_cmap("tab10")
    for i, (key, label) in enumerate(labels.items()):
        values = [accounting.years[y].by_source_tco2.get(key, 0.0) / 1e4 for y in years]
        if not any(values):
            continue
        ax.bar([str(y) for y in years], values, bottom=bottom, label=label,
               color=palette(i % 10))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    declared = [accounting.years[y].declared_tco2 for y in years]
    if any(d is not None for d in declared):
        ax.plot([str(y) for y in years], [d / 1e4 if d is not None else float("nan")
                                          for d in declared], "kD", label="申报总量")
    ax.set_ylabel("万吨CO2")
    ax.set_title("碳排放核算：分排放源")
    ax.legend(fontsize=8, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def _laid_out(fig: Figure) -> Figure:
    """``fig`` without the placeholder layout engine ``tight_layout`` leaves on it.

    With any layout engine set, ``savefig`` lays the whole figure out in a draw of its own
    before the real draw (matplotlib ≥ 3.6, ``FigureCanvasBase.print_figure``): every text is
    measured twice. The placeholder does nothing in that draw — the layout was applied by
    ``tight_layout`` already — so it is dropped, and the figure is drawn once; the image is
    the same, pixel for pixel."""
    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        fig.set_layout_engine(None)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """``fig`` as PNG bytes (and close it): for notebooks, whatever their matplotlib backend."""
    import io

    buffer = io.BytesIO()
    _laid_out(fig).savefig(buffer, format="png", pil_kwargs=dict(PNG_OPTIONS))
    plt.close(fig)
    return buffer.getvalue()


def save_png(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` as PNG (creating the folder) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _laid_out(fig).savefig(path, format="png", pil_kwargs=dict(PNG_OPTIONS))
    plt.close(fig)
    return path
