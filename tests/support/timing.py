"""Telling two response-time samples apart: the Mann-Whitney U test (rank-based, so a few
slow outliers on a loaded machine do not sway it) and a one-request classifier."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparison:
    median_difference_ms: float  # first sample's median minus the second's
    p_value: float  # two-sided, normal approximation with ties corrected
    accuracy: float  # pairs where the slower request was the first sample's

    def line(self, what: str) -> str:
        return (
            f"{what}: median difference {self.median_difference_ms:+.3f} ms, "
            f"Mann-Whitney p={self.p_value:.3g}, slower-is-known accuracy {self.accuracy:.1%}"
        )


def compare(first: list[float], second: list[float]) -> Comparison:
    """``first`` and ``second`` are paired times in seconds (``first[i]`` next to ``second[i]``)."""
    n1, n2 = len(first), len(second)
    ranked = sorted([(t, 0) for t in first] + [(t, 1) for t in second])
    ranks = [0.0] * len(ranked)
    ties = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        size = j - i + 1
        ties += size**3 - size
        i = j + 1
    r1 = sum(r for r, (_, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma if sigma else 0.0
    p = math.erfc(abs(z) / math.sqrt(2))
    accuracy = sum(a > b for a, b in zip(first, second, strict=True)) / min(n1, n2)
    diff = (statistics.median(first) - statistics.median(second)) * 1000
    return Comparison(diff, p, accuracy)
