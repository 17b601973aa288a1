"""An Arena run read per entrant: its takes, its best take and their spread, the ranking, the verdict,
and the numbers the charts draw. Pure logic over playground.arena.speaking's Run (no Gradio)."""

from __future__ import annotations

from dataclasses import dataclass

from playground import config
from playground.arena import verdict
from playground.arena.entrants import Entrant
from playground.arena.speaking import Run, Take, combined


@dataclass
class Group:
    entrant: Entrant
    takes: list[Take]

    @property
    def ok(self) -> list[Take]:
        return [t for t in self.takes if t.ok]

    @property
    def similarities(self) -> list[float]:
        return [float(t.score["similarity"]) for t in self.ok if t.score and t.score.get("similarity") is not None]

    @property
    def best(self) -> Take:
        """The best take: highest combined score, else highest similarity, else the first that worked."""
        ok = self.ok
        if not ok:
            return self.takes[0]

        def key(t: Take) -> tuple[float, float]:
            c = combined(t.score)
            s = (t.score or {}).get("similarity")
            return (-1.0 if c is None else c, -2.0 if s is None else float(s))

        return max(ok, key=key)

    @property
    def spread(self) -> float | None:
        sims = self.similarities
        return None if len(sims) < 2 else round(verdict.spread(sims), 4)

    @property
    def combined(self) -> float | None:
        return combined(self.best.score)


def groups(run: Run) -> list[Group]:
    """One group per entrant, in the run's order."""
    out: dict[str, Group] = {}
    for t in run.takes:
        out.setdefault(t.entrant.key, Group(t.entrant, [])).takes.append(t)
    return list(out.values())


def ranked(run: Run) -> list[Group]:
    """Best combined first; unscored entrants after, failed ones last."""
    return sorted(groups(run), key=lambda g: (not g.ok, g.combined is None, -(g.combined or 0.0)))


def best_indexes(run: Run) -> list[int]:
    """The run.takes index of every entrant's best finished take (the blind vote's candidates)."""
    index = {id(t): i for i, t in enumerate(run.takes)}
    return [index[id(g.best)] for g in groups(run) if g.ok]


def ceiling(run: Run) -> float | None:
    for t in run.takes:
        c = (t.score or {}).get("similarity_ceiling")
        if c is not None:
            return float(c)
    return None


def sandbox_voices(run: Run) -> bool:
    """Are the voices the sandbox's stand-ins (every entrant's provider runs without a key)?"""
    keys = run.settings.get("keys_for") or []
    return all(config.is_sandbox(t.entrant.provider_id) and t.entrant.provider_id not in keys for t in run.takes)


def judge(run: Run) -> verdict.Verdict:
    standings = [verdict.Standing(g.entrant.key, g.entrant.label, g.entrant.kind, g.similarities) for g in groups(run)]
    return verdict.judge(standings, ceiling(run), sandbox=sandbox_voices(run))


def short_label(entrant: Entrant, width: int = 24) -> str:
    """A chart's name for an entrant: its provider and model (the card keeps the full label)."""
    if entrant.kind == "control":
        return entrant.label
    parts = entrant.label.split(" · ")
    text = " · ".join(parts[:2]) if len(parts) > 2 else entrant.label
    return text if len(text) <= width else text[: width - 1] + "…"


def similarity_rows(run: Run) -> list[dict]:
    """The similarity chart: one bar per entrant (its best take), the control and the ceiling marked."""
    rows = []
    for g in ranked(run):
        sims = g.similarities
        if sims:
            kind = "control" if g.entrant.kind == "control" else "clone"
            rows.append({"entrant": short_label(g.entrant), "similarity": round(max(sims), 4), "kind": kind})
    c = ceiling(run)
    if c is not None and rows:
        rows.append({"entrant": "your ceiling", "similarity": round(c, 4), "kind": "ceiling"})
    return rows


def quality_rows(run: Run) -> list[dict]:
    """The quality chart: DNSMOS OVRL against the time to the first audio, per entrant (best take)."""
    rows = []
    for g in ranked(run):
        t = g.best
        s, f = t.score or {}, t.cell.figures
        if t.ok and s.get("dnsmos_ovrl") is not None and f is not None and f.first_audio_s is not None:
            rows.append(
                {
                    "entrant": short_label(g.entrant),
                    "first audio s": round(float(f.first_audio_s), 2),
                    "DNSMOS OVRL": round(float(s["dnsmos_ovrl"]), 2),
                }
            )
    return rows
