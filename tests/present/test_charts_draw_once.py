"""A report chart is drawn once when it is saved, and is the same image as before: the same
pixels as matplotlib's own ``savefig``, whatever the PNG compression."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from nzc_review.present import charts


def _figure() -> Figure:
    fig, ax = plt.subplots(figsize=(4, 2.5), dpi=80)
    ax.plot([2022, 2023, 2024], [85, 82, 80], "o-", label="历史核算排放")
    ax.set_title("碳排放核算")
    ax.legend(loc="best")
    fig.tight_layout()
    return fig


def test_a_laid_out_chart_is_drawn_once_and_unchanged(monkeypatch):
    charts.cjk_font()
    plain = io.BytesIO()
    fig = _figure()
    fig.savefig(plain, format="png")  # what savefig makes of a tight_layout figure
    plt.close(fig)
    draws = []
    original = Figure.draw

    def counted(self, renderer):
        draws.append(renderer)
        return original(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    saved = charts.png_bytes(_figure())
    assert len(draws) == 1
    assert saved != plain.getvalue()  # compressed with the chart options, not the default
    assert np.array_equal(_pixels(saved), _pixels(plain.getvalue()))


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGBA"))
