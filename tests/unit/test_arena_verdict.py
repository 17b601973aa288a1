"""The Arena's verdict (playground/arena/verdict.py): a clear winner, a tie, the control winning, and
the spread of an entrant's own takes that sets what the numbers can tell apart."""

from __future__ import annotations

import pytest

from playground.arena import verdict
from playground.arena.verdict import Standing, judge, pooled_sd, resolution, spread


def clone(label: str, *sims: float) -> Standing:
    return Standing(label.lower(), label, "clone", list(sims))


def control(*sims: float) -> Standing:
    return Standing("ctl", "System voice (control)", "control", list(sims))


def test_spread_and_pooled_sd():
    assert spread([0.8]) == 0.0 and spread([0.8, 0.85, 0.82]) == pytest.approx(0.05)
    assert pooled_sd([[0.8]]) is None
    # two groups with the same variance pool to it; single takes add nothing
    assert pooled_sd([[0.8, 0.82], [0.5, 0.52], [0.9]]) == pytest.approx(0.01414, abs=1e-4)


def test_resolution_is_the_largest_of_takes_halves_and_floor():
    assert resolution([clone("A", 0.8)], None) == (0.01, "floor")
    r, source = resolution([clone("A", 0.8)], 0.9)  # halves: 0.5 * (1 - 0.9)
    assert (round(r, 4), source) == (0.05, "halves")
    r, source = resolution([clone("A", 0.70, 0.80), clone("B", 0.60, 0.70)], 0.98)  # sd 0.0707 * 2
    assert source == "takes" and r == pytest.approx(0.1414, abs=1e-4)


def test_a_clear_winner():
    v = judge([clone("MiniMax", 0.86), clone("Zhipu", 0.70), control(0.55)], ceiling=0.95)
    assert v.kind == "winner" and v.clear and v.leader == "MiniMax"
    assert v.above_control == pytest.approx(0.31) and v.below_ceiling == pytest.approx(0.09)
    text = v.sentence("en")
    assert text.startswith("MiniMax is closest to you (0.860), 0.310 above the control, 0.090 below your own ceiling")
    assert "0.025" in text  # what the numbers can resolve: half of 1 - 0.95
    zh = v.sentence("zh-CN")
    assert "MiniMax" in zh and "对照" in zh and "is closest" not in zh


def test_a_tie_between_two_clones():
    v = judge([clone("MiniMax", 0.86, 0.84), clone("Zhipu", 0.85, 0.83), control(0.50, 0.51)], ceiling=0.97)
    assert v.kind == "tie" and not v.clear and v.leaders == ["MiniMax", "Zhipu"]
    assert v.sentence("en").startswith("No clear winner: MiniMax, Zhipu are within")
    assert "没有明确的胜者" in v.sentence("zh-CN")


def test_the_control_among_the_leaders_or_winning():
    among = judge([clone("MiniMax", 0.905), clone("Zhipu", 0.90), control(0.917)], ceiling=0.95)
    assert among.kind == "control"
    assert among.sentence("en").startswith("No clear winner: the control scores as high as the clones")
    close = judge([clone("MiniMax", 0.90), control(0.89)], ceiling=0.95)  # within 0.025 of the clone
    assert close.kind == "control"
    sandbox = judge([clone("MiniMax", 0.90), control(0.91)], ceiling=0.95, sandbox=True)
    assert "sandbox" in sandbox.sentence("en")


def test_nothing_scored_is_no_verdict():
    v = judge([clone("MiniMax"), control(0.5)], ceiling=None)
    assert v.kind == "none" and "no verdict" in v.sentence("en")
    assert verdict.describe(v, "zh-CN") != v.sentence("en")


def test_takes_per_entrant_is_one_to_five():
    from playground.arena.speaking import check_takes

    assert check_takes(None) == 1 and check_takes(3.0) == 3 and check_takes("5") == 5
    for bad in (0, 6, "many"):
        with pytest.raises(Exception, match="1 to 5"):
            check_takes(bad)


def test_the_csv_is_safe_in_a_spreadsheet():
    from playground.arena.report import csv_safe

    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_safe("@x") == "'@x" and csv_safe("-1+2") == "'-1+2"
    assert csv_safe(-0.5) == -0.5 and csv_safe("MiniMax · clone") == "MiniMax · clone"
