"""Bar charts drawn by our own code as inline SVG: sharp in print, nothing to fetch, and the
same drawing in the PDF report and on the report page.

Only presentation attributes, never a `style` attribute, so that the page's Content Security
Policy (no inline styles) lets them through. Every text comes from data people typed, and is
escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 210
VALUE_WIDTH = 64  # room for the total at the end of the longest bar
ROW_HEIGHT = 24
BAR_HEIGHT = 16
LEGEND_HEIGHT = 24
AXIS_HEIGHT = 22
FONT = "DejaVu Sans, sans-serif"
FONT_SIZE = 11
CHAR_WIDTH = 6.4  # average advance of DejaVu Sans at 11 px, to shorten long names
INK = "#1d2433"
MUTED = "#5d6678"
GRID = "#d9dee7"

# Colours that tell the states apart in colour and in greyscale print.
HELD = "#0b6e4f"
NO_SHOW = "#c2410c"
NOT_RECORDED = "#b8c0cc"
STAGE_COLOURS = {"lead": "#93c5fd", "proposal": "#3b82c4", "contract": "#1e3a8a"}


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    text_colour: str = "#ffffff"  # of the value written inside a segment


def nice_step(largest: float, most_ticks: int = 6) -> float:
    """A step of 1, 2 or 5 × 10^k, at least 1, that cuts 0..largest into at most `most_ticks`
    parts."""
    rough = largest / most_ticks
    if rough <= 1:
        return 1
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power  # pragma: no cover


def shorten(text: str, width: float) -> str:
    """Cut a label that would not fit in `width` px, with an ellipsis."""
    most = max(4, int(width / CHAR_WIDTH))
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    *,
    value_text: Callable[[float], str] = _number,
    tick_text: Callable[[float], str] = _number,
    unit: str | None = None,
) -> Markup:
    """Horizontal bars, one per category, stacked by series (`values[i][j]`: series j of
    category i), with a legend when there is more than one series, the total at the end of
    each bar, each segment's value inside it when it fits, and a scale with grid lines, named
    by `unit` at its start."""
    values = [[float(value or 0) for value in row] for row in values]
    rows = len(categories)
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = legend + rows * ROW_HEIGHT + AXIS_HEIGHT + 4
    plot_left = LABEL_WIDTH
    largest = max((sum(row) for row in values), default=0)
    # Room at the right for the longest total written after its bar.
    longest = max((len(value_text(sum(row))) for row in values), default=1)
    plot_width = WIDTH - LABEL_WIDTH - max(VALUE_WIDTH, longest * CHAR_WIDTH + 14)
    # Fewer ticks when their labels are long (amounts): each label must fit its interval.
    for most_ticks in (6, 5, 4, 3, 2):
        step = nice_step(largest, most_ticks)
        top = step * max(1, math.ceil(largest / step)) if largest else step
        spacing = plot_width * step / top
        if len(tick_text(top)) * CHAR_WIDTH + 12 <= spacing:
            break
    scale = plot_width / top
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" class="chart" role="img" '
        f'aria-label="{escape(title)}" font-family="{FONT}" font-size="{FONT_SIZE}">',
        f"<title>{escape(title)}</title>",
    ]
    if legend:
        x = plot_left
        for item in series:
            parts.append(
                f'<rect x="{x}" y="6" width="12" height="12" fill="{item.colour}" rx="2"/>'
                f'<text x="{x + 17}" y="16" fill="{INK}">{escape(item.label)}</text>'
            )
            x += 17 + len(item.label) * CHAR_WIDTH + 22
    axis_top = legend
    axis_bottom = legend + rows * ROW_HEIGHT
    tick = 0.0
    while tick <= top + 1e-9:
        x = plot_left + tick * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis_top}" x2="{x:.1f}" y2="{axis_bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{axis_bottom + 15}" fill="{MUTED}" '
            f'text-anchor="middle">{escape(tick_text(tick))}</text>'
        )
        tick += step
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        y = legend + index * ROW_HEIGHT
        bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        text_y = y + ROW_HEIGHT / 2 + 4
        label = shorten(category, LABEL_WIDTH - 12)
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" fill="{INK}" text-anchor="end">'
            f"<title>{escape(category)}</title>{escape(label)}</text>"
        )
        x = float(plot_left)
        for item, value in zip(series, row, strict=True):
            if value <= 0:
                continue
            width = value * scale
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{item.colour}"/>'
            )
            text = value_text(value)
            if len(series) > 1 and width >= len(text) * CHAR_WIDTH + 6:
                parts.append(
                    f'<text x="{x + width / 2:.1f}" y="{text_y}" fill="{item.text_colour}" '
                    f'text-anchor="middle" font-size="10">{escape(text)}</text>'
                )
            x += width
        parts.append(
            f'<text x="{x + 5:.1f}" y="{text_y}" fill="{INK}" font-weight="bold">'
            f"{escape(value_text(sum(row)))}</text>"
        )
    parts.append(
        f'<line x1="{plot_left}" y1="{axis_top}" x2="{plot_left}" y2="{axis_bottom}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    if unit:
        parts.append(
            f'<text x="{LABEL_WIDTH - 14}" y="{axis_bottom + 15}" fill="{MUTED}" '
            f'text-anchor="end" font-style="italic">{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
