"""Intraday charts drawn with text: a braille line chart (2×4 dots a cell) and a block
sparkline. Pure functions of the prices, so a snapshot of the screen is stable."""

from __future__ import annotations

from collections.abc import Sequence

BRAILLE_BASE = 0x2800
# dot bit for (column 0|1, row 0..3) inside one braille cell
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
BLOCKS = "▁▂▃▄▅▆▇█"


def resample(values: Sequence[float], count: int) -> list[float]:
    """``count`` values evenly picked from ``values`` (the last one always kept)."""
    if count <= 0 or not values:
        return []
    if len(values) <= count:
        return list(values)
    step = (len(values) - 1) / (count - 1) if count > 1 else 0
    return [values[round(i * step)] for i in range(count)]


def stretch(values: Sequence[float], count: int) -> list[float]:
    """``count`` values: ``values`` resampled, or linearly interpolated when fewer."""
    if len(values) >= count or len(values) < 2:
        return resample(values, count)
    step = (len(values) - 1) / (count - 1)
    found = []
    for i in range(count):
        position = i * step
        left = int(position)
        right = min(left + 1, len(values) - 1)
        found.append(values[left] + (values[right] - values[left]) * (position - left))
    return found


def _scale(value: float, low: float, high: float, steps: int) -> int:
    """0 (at ``low``) .. ``steps - 1`` (at ``high``)."""
    if high <= low:
        return steps // 2
    return max(0, min(steps - 1, round((value - low) / (high - low) * (steps - 1))))


def braille(values: Sequence[float], width: int, height: int) -> list[str]:
    """A line chart ``width`` cells wide and ``height`` rows high, top row first."""
    width, height = max(1, width), max(1, height)
    points = stretch(values, width * 2)
    grid = [[0] * width for _ in range(height)]
    if not points:
        return [chr(BRAILLE_BASE) * width for _ in range(height)]
    low, high = min(points), max(points)
    dots_high = height * 4
    previous: int | None = None
    for x, value in enumerate(points):
        y = _scale(value, low, high, dots_high)
        lo, hi = (y, y) if previous is None else (min(y, previous), max(y, previous))
        for level in range(lo, hi + 1):
            row_from_top = dots_high - 1 - level
            cell_row, dot_row = divmod(row_from_top, 4)
            grid[cell_row][x // 2] |= _DOTS[dot_row][x % 2]
        previous = y
    return ["".join(chr(BRAILLE_BASE + bits) for bits in row) for row in grid]


def sparkline(values: Sequence[float], width: int) -> str:
    """One row of block characters, lowest ▁ to highest █."""
    points = resample(values, width)
    if not points:
        return ""
    low, high = min(points), max(points)
    return "".join(BLOCKS[_scale(v, low, high, len(BLOCKS))] for v in points)


def labelled(values: Sequence[float], width: int, height: int) -> list[str]:
    """The braille chart with the high on its first row and the low on its last."""
    if not values:
        return ["No bars yet." if height else ""]
    label_width = max(len(f"{max(values):.2f}"), len(f"{min(values):.2f}")) + 1
    rows = braille(values, max(4, width - label_width), height)
    labels = [""] * len(rows)
    labels[0] = f"{max(values):.2f}"
    labels[-1] = f"{min(values):.2f}"
    return [f"{row} {label}".rstrip() for row, label in zip(rows, labels, strict=True)]
