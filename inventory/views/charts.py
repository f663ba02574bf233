"""Server-rendered SVG line charts: no JavaScript, no chart library, works offline."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4")


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y …" in chart coordinates
    color: str
    last: str
    link: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    empty: bool


def line_chart(
    series: dict[str, list[tuple[datetime.datetime, float]]],
    *,
    link: Callable[[str], str],
    width: int = 640,
    height: int = 220,
    pad: int = 40,
) -> Chart:
    """Percent rates over time, one line per series; `link(label)` is where a line's
    legend entry leads (the list behind the figure)."""
    times = sorted({t for points in series.values() for t, _ in points})
    if not times:
        return Chart(width, height, [], [], [], True)
    top = max((rate for points in series.values() for _, rate in points), default=0) or 0.01
    top *= 1.1
    start, end = times[0], times[-1]
    span = (end - start).total_seconds() or 1

    def x(t: datetime.datetime) -> float:
        if len(times) == 1:
            return pad + (width - 2 * pad) / 2
        return pad + (t - start).total_seconds() / span * (width - 2 * pad)

    def y(rate: float) -> float:
        return height - pad - rate / top * (height - 2 * pad)

    lines = [
        Line(
            label=label,
            points=" ".join(f"{x(t):.1f},{y(rate):.1f}" for t, rate in points),
            color=PALETTE[index % len(PALETTE)],
            last=f"{points[-1][1] * 100:.2f} %",
            link=link(label),
        )
        for index, (label, points) in enumerate(sorted(series.items()))
    ]
    y_ticks = [(y(top * i / 4), f"{top * i / 4 * 100:.1f} %") for i in range(5)]
    x_labels = (
        [(x(t), f"{t:%m-%d}") for t in (times[0], times[-1])]
        if len(times) > 1
        else [(x(times[0]), f"{times[0]:%m-%d}")]
    )
    return Chart(width, height, lines, y_ticks, x_labels, False)
