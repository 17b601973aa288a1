"""Blind A/B votes -> an Elo rating per entrant of a family, and how far the ears agree with the
similarity score (share of decided votes won by the take with the higher similarity, and
Kendall's tau between the ratings and the mean similarities)."""

from __future__ import annotations

import math
from dataclasses import dataclass

START = 1000.0
K = 32.0
AGREEMENT_AFTER = 10  # decided votes before the agreement line means something (presets/arena.json "votes")


def agreement_after() -> int:
    from playground import presets

    return int(presets.load("arena").get("votes", {}).get("agreement_after", AGREEMENT_AFTER))


def interval(votes: int) -> float | None:
    """Half the width of a 95% interval around an Elo rating after `votes` votes: the standard error of
    a 50% win rate over that many games, on the Elo scale (400 / ln 10 per logit)."""
    if votes <= 0:
        return None
    return 1.96 * (400.0 / math.log(10)) / math.sqrt(votes * 0.25)


def interval_text(votes: int) -> str:
    half = interval(votes)
    return "" if half is None else f"± {half:.0f}"


def elo(ratings: dict[str, tuple[float, int]], a: str, b: str, winner: str) -> dict[str, tuple[float, int]]:
    """The two updated (rating, vote count) entries after one vote ('a', 'b' or 'tie')."""
    ra, na = ratings.get(a, (START, 0))
    rb, nb = ratings.get(b, (START, 0))
    expected_a = 1.0 / (1.0 + 10 ** ((rb - ra) / 400.0))
    score_a = {"a": 1.0, "b": 0.0, "tie": 0.5}[winner]
    delta = K * (score_a - expected_a)
    return {a: (ra + delta, na + 1), b: (rb - delta, nb + 1)}


def kendall_tau(x: list[float], y: list[float]) -> float | None:
    """Kendall's tau-a of two equally long lists; None with fewer than two pairs to rank."""
    n = len(x)
    concordant = discordant = 0
    for i in range(n):
        for j in range(i + 1, n):
            s = (x[i] - x[j]) * (y[i] - y[j])
            if s > 0:
                concordant += 1
            elif s < 0:
                discordant += 1
    pairs = n * (n - 1) // 2
    return None if pairs == 0 else (concordant - discordant) / pairs


@dataclass
class Agreement:
    decided: int  # votes with a winner and both similarities known
    agreeing: int  # of those, won by the take with the higher similarity
    tau: float | None  # ratings vs mean similarity, over the rated entrants

    @property
    def share(self) -> float | None:
        return None if not self.decided else self.agreeing / self.decided

    def describe(self) -> str:
        needed = agreement_after()
        if self.decided < needed:
            return (
                f"How far your ears agree with the similarity score shows after {needed} decided votes "
                f"({self.decided} so far)."
            )
        tau = "n/a" if self.tau is None else f"{self.tau:+.2f}"
        return (
            f"{self.agreeing} of {self.decided} decided votes ({self.share:.0%}) went to the take with the higher "
            f"similarity; Kendall's tau between the ratings and the mean similarity: {tau}."
        )


def agreement(votes: list[dict], ratings: dict[str, tuple[float, int]]) -> Agreement:
    decided = agreeing = 0
    sims: dict[str, list[float]] = {}
    for v in votes:
        for side in ("a", "b"):
            if v.get(f"{side}_similarity") is not None:
                sims.setdefault(v[side], []).append(float(v[f"{side}_similarity"]))
        sa, sb = v.get("a_similarity"), v.get("b_similarity")
        if v["winner"] == "tie" or sa is None or sb is None or sa == sb:
            continue
        decided += 1
        agreeing += int((v["winner"] == "a") == (sa > sb))
    keys = [k for k in ratings if k in sims]
    tau = kendall_tau([ratings[k][0] for k in keys], [sum(sims[k]) / len(sims[k]) for k in keys]) if keys else None
    return Agreement(decided, agreeing, tau)
