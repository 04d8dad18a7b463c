"""The trends chart: one self-contained HTML page with an inline SVG line chart (no script, no network),
so a person opens it in any browser."""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path

from warehouse.analysis.reads import Trend

# Colour-blind-safe palette (Okabe-Ito), cycled.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
WIDTH, HEIGHT = 900, 420
LEFT, RIGHT, TOP, BOTTOM = 60, 170, 30, 90


def _ticks(top: int) -> list[int]:
    """0 and at most five round steps (1, 2 or 5 times a power of ten) reaching ``top``."""
    step = next(m * 10**e for e in range(19) for m in (1, 2, 5) if top <= 5 * m * 10**e)
    return list(range(0, -(-top // step) * step + 1, step))


def _every_period(first: date, last: date, period: str) -> list[date]:
    """Each period from ``first`` to ``last``, so quiet periods show as zero and time runs evenly."""
    found = [first]
    while found[-1] < last:
        current = found[-1]
        if period == "day":
            found.append(current + timedelta(days=1))
        elif period == "week":
            found.append(current + timedelta(weeks=1))
        else:
            found.append(date(current.year + current.month // 12, current.month % 12 + 1, 1))
    return found


def render_trends(trends: list[Trend], *, period: str, title: str) -> str:
    """The HTML page: mentions in article text per period, one line per entity, with a legend."""
    seen = sorted({p["period"] for t in trends for p in t.periods})
    periods = _every_period(seen[0], seen[-1], period) if seen else []
    top = max((p["mentions"] for t in trends for p in t.periods), default=0)
    ticks = _ticks(max(top, 1))
    y_max = ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    def y(value: int) -> float:
        return TOP + plot_h - plot_h * value / y_max

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12" role="img">',
        f"<title>{html.escape(title)}</title>",
    ]
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    label_every = max(1, len(periods) // 12)
    for i, when in enumerate(periods):
        if i % label_every == 0 or i == len(periods) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="end" '
                f'transform="rotate(-35 {x(i):.1f} {TOP + plot_h + 18})">{when.isoformat()}</text>'
            )
    parts.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 8}" text-anchor="middle">{html.escape(period)} '
        "(published; landed when unknown)</text>"
    )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2}" text-anchor="middle" transform="rotate(-90 14 {TOP + plot_h / 2})">'
        "mentions in article text</text>"
    )
    index = {when: i for i, when in enumerate(periods)}
    for n, trend in enumerate(trends):
        colour = PALETTE[n % len(PALETTE)]
        counts: dict[date, int] = {p["period"]: p["mentions"] for p in trend.periods}
        points = [(x(i), y(counts.get(when, 0))) for when, i in index.items()]
        if points:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
            for (px, py), when in zip(points, periods, strict=True):
                label = f"{trend.entity}, {when.isoformat()}: {counts.get(when, 0)} mentions"
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}">'
                    f"<title>{html.escape(label)}</title></circle>"
                )
        legend_y = TOP + 16 * n
        parts.append(
            f'<rect x="{LEFT + plot_w + 16}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{LEFT + plot_w + 34}" y="{legend_y + 10}">{html.escape(trend.entity)} ({trend.mentions})</text>'
        )
    parts.append("</svg>")
    rows = "".join(
        f"<tr><td>{html.escape(t.entity)}</td><td>{html.escape(t.kind)}</td><td>{t.mentions}</td>"
        f"<td>{t.documents}</td><td>{t.comment_mentions}</td></tr>"
        for t in trends
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>\n{''.join(parts)}\n"
        "<table><tr><th>entity</th><th>kind</th><th>mentions</th><th>documents</th><th>in comments</th></tr>"
        f"{rows}</table></body></html>\n"
    )


def write_trends_chart(path: Path, trends: list[Trend], *, period: str, title: str) -> Path:
    """Write the chart page to ``path`` (its folder is created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_trends(trends, period=period, title=title), encoding="utf-8")
    return path
