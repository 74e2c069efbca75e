"""Bar charts as geometry for inline SVG in the templates (no script, nothing fetched; the
template escapes every label). Each chart also has its figures as a table on the page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.console import Chart

PALETTE = ["#1b5e9b", "#c0392b", "#7d3c98", "#b35900", "#117a65", "#566573"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    bars: list[Bar]


def _label(day: datetime.date) -> str:
    return date_format(day, "j M")


def small_multiples(chart: Chart, *, width: int = 560, height: int = 36) -> list[Row]:
    """One row of daily bars per series, on one shared scale so rows compare honestly."""
    peak = chart.peak or 1
    step = width / max(len(chart.periods), 1)
    rows = []
    for series in chart.series:
        bars = []
        for n, (day, value) in enumerate(zip(chart.periods, series.values, strict=True)):
            h = round(value / peak * (height - 2), 1)
            bars.append(
                Bar(
                    x=round(n * step + 1, 1),
                    y=round(height - h, 1),
                    width=round(max(step - 2, 1), 1),
                    height=h,
                    fill=PALETTE[0],
                    title=f"{series.label}, {_label(day)}: {value}",
                )
            )
        rows.append(Row(series.label, series.total, bars))
    return rows


@dataclass(frozen=True)
class Stacked:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]
    legend: list[tuple[str, str]]
    peak: int


def stacked(chart: Chart, *, width: int = 560, height: int = 180) -> Stacked:
    """Columns per period, stacked by series (a rule); the last 20 px carry the axis labels."""
    plot = height - 20
    peak = chart.stacked_peak or 1
    step = width / max(len(chart.periods), 1)
    bars: list[Bar] = []
    for n, period in enumerate(chart.periods):
        top = float(plot)
        for colour, series in zip(PALETTE * 4, chart.series, strict=False):
            value = series.values[n]
            if not value:
                continue
            h = value / peak * (plot - 4)
            top -= h
            bars.append(
                Bar(
                    x=round(n * step + 3, 1),
                    y=round(top, 1),
                    width=round(max(step - 6, 1), 1),
                    height=round(h, 1),
                    fill=colour,
                    title=_("%(label)s, week van %(day)s: %(n)s")
                    % {"label": series.label, "day": _label(period), "n": value},
                )
            )
    ticks = [(round(n * step + step / 2, 1), _label(p)) for n, p in enumerate(chart.periods)]
    legend = [(c, s.label) for c, s in zip(PALETTE * 4, chart.series, strict=False)]
    return Stacked(width, height, bars, ticks, legend, chart.stacked_peak)
