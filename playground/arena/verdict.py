"""The Arena's verdict: one sentence that says which clone is closest to the sample, by how much
above the control and how far below the sample's own ceiling, and that says plainly when the
numbers cannot tell the entrants apart.

What the measurement can tell apart (its resolution) is estimated from two sources, and the larger
one counts (presets/arena.json "verdict" holds the factors):
- the spread of an entrant's own takes: the same voice speaking the same text twice does not score
  the same; the pooled standard deviation over every entrant with two or more scored takes, times
  `spread_factor`;
- the reference's halves: the sample's two halves score `ceiling` against each other, so a voice
  cannot be placed closer than a share (`halves_fraction`) of the gap `1 - ceiling`;
- never finer than `min_resolution`.

The leaders are the entrants whose best similarity is within the resolution of the best clone's.
One leader that is a clone: a clear winner. The control among the leaders (or above them): the
numbers cannot tell a clone from an unrelated voice. Several clones: a tie. Pure logic: no Gradio,
no I/O; the words are English, translated piece by piece with playground.messages.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from playground import messages, presets

DEFAULTS = {"spread_factor": 2.0, "halves_fraction": 0.5, "min_resolution": 0.01}


@dataclass(frozen=True)
class Standing:
    """One entrant's similarity: every scored take's value (best first is not required)."""

    key: str
    label: str
    kind: str  # "clone" | "zero_shot" | "control"
    similarities: list[float]

    @property
    def best(self) -> float:
        return max(self.similarities)

    @property
    def spread(self) -> float:
        return spread(self.similarities)


@dataclass
class Verdict:
    kind: str  # "winner" | "tie" | "control" | "none"
    leader: str | None  # the best clone's label
    resolution: float | None
    leaders: list[str] = field(default_factory=list)  # labels within the resolution of the best clone
    above_control: float | None = None
    below_ceiling: float | None = None
    best: float | None = None
    ceiling: float | None = None
    sandbox: bool = False  # the voices are the sandbox's stand-ins

    @property
    def clear(self) -> bool:
        return self.kind == "winner"

    def sentence(self, lang: str | None = None) -> str:
        """The verdict in the page's language (one sentence, then what the numbers can resolve)."""
        return describe(self, lang)


def spread(values: list[float]) -> float:
    """Max minus min of one entrant's takes (0 for a single take)."""
    return 0.0 if len(values) < 2 else max(values) - min(values)


def pooled_sd(groups: list[list[float]]) -> float | None:
    """The pooled sample standard deviation over groups with two or more values; None without any."""
    num = den = 0.0
    for g in groups:
        if len(g) >= 2:
            num += statistics.variance(g) * (len(g) - 1)
            den += len(g) - 1
    return None if den == 0 else math.sqrt(num / den)


def settings() -> dict[str, float]:
    return {**DEFAULTS, **presets.load("arena").get("verdict", {})}


def resolution(standings: list[Standing], ceiling: float | None) -> tuple[float, str]:
    """(the smallest similarity difference these numbers can tell apart, what it came from)."""
    s = settings()
    sources = [(float(s["min_resolution"]), "floor")]
    sd = pooled_sd([st.similarities for st in standings])
    if sd is not None:
        sources.append((float(s["spread_factor"]) * sd, "takes"))
    if ceiling is not None:
        sources.append((float(s["halves_fraction"]) * max(0.0, 1.0 - ceiling), "halves"))
    return max(sources)


def judge(standings: list[Standing], ceiling: float | None, *, sandbox: bool = False) -> Verdict:
    scored = [st for st in standings if st.similarities]
    clones = sorted((st for st in scored if st.kind != "control"), key=lambda st: -st.best)
    control = next((st for st in scored if st.kind == "control"), None)
    if not clones:
        return Verdict("none", None, None, sandbox=sandbox)
    r, _ = resolution(scored, ceiling)
    top = clones[0]
    leaders = [st for st in sorted(scored, key=lambda st: -st.best) if top.best - st.best < r]
    verdict = Verdict(
        "winner",
        top.label,
        round(r, 4),
        [st.label for st in leaders],
        None if control is None else round(top.best - control.best, 4),
        None if ceiling is None else round(ceiling - top.best, 4),
        round(top.best, 4),
        None if ceiling is None else round(ceiling, 4),
        sandbox,
    )
    if control is not None and (control in leaders or control.best > top.best):
        verdict.kind = "control"
    elif len(leaders) > 1:
        verdict.kind = "tie"
    return verdict


def _n(value: float) -> str:
    return f"{value:.3f}"


def describe(v: Verdict, lang: str | None = None) -> str:
    lang = lang or messages.language()

    def t(text: str) -> str:
        return messages.translate(text, lang)

    zh = lang == messages.ZH
    comma, stop = ("，", "。") if zh else (", ", ".")
    space = "" if zh else " "
    if v.kind == "none":
        return t("No clone could be scored, so there is no verdict yet.")
    if v.kind == "control":
        text = t(
            "No clear winner: the control scores as high as the clones, so these numbers cannot tell them apart here."
        )
        if v.sandbox:
            text += space + t(
                "In the sandbox the stand-in voices are too alike to tell; set a provider key to measure real clones."
            )
        return text
    if v.kind == "tie":
        names = comma.join(v.leaders) if len(v.leaders) <= 3 else t(f"{len(v.leaders)} entrants")
        text = t(f"No clear winner: {names} are within {_n(v.resolution or 0)} of each other")
        if v.above_control is not None:
            text += comma + t(f"{_n(v.above_control)} above the control")
        text += stop + space + t("These numbers cannot tell them apart.")
        if v.sandbox:
            text += space + t(
                "In the sandbox the stand-in voices are too alike to tell; set a provider key to measure real clones."
            )
        return text
    parts = [t(f"{v.leader} is closest to you ({_n(v.best or 0)})")]
    if v.above_control is not None:
        parts.append(t(f"{_n(v.above_control)} above the control"))
    if v.below_ceiling is not None:
        parts.append(
            t(f"{_n(v.below_ceiling)} below your own ceiling ({_n(v.ceiling or 0)})")
            if v.below_ceiling > 0
            else t("at your own ceiling")
        )
    return (
        comma.join(parts)
        + stop
        + " "
        + t(f"Differences under {_n(v.resolution or 0)} are within the measurement's noise.")
    )
