"""What an Arena run hands over: the scorecard table, one self-contained HTML report (audio as
base64, scorecard, votes, settings, date, the scoring models), a CSV and a zip of the raw takes.

Words a person reads (the page's table status, the players, the HTML report) are in the language of
the request being handled (playground/messages.py); the CSV keeps English column names for scripts."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import time
from typing import Any

from playground import compare, messages
from playground.arena.entrants import arena_spec
from playground.arena.speaking import Run, Take, rank

HEADERS = [
    "rank",
    "entrant",
    "combined",
    "similarity",
    "ceiling",
    "WER",
    "CER",
    "DNSMOS OVRL",
    "DNSMOS P.808",
    "first audio s",
    "RTF",
    "loudness LUFS",
    "duration s",
    "est. cost",
    "status",
]
FIGURE_HELP = {
    "combined": "Weighted mean of similarity (over the ceiling), 1 - error rate and DNSMOS OVRL, over the parts "
    "known; the parts stay in their own columns.",
    "first audio s": "Seconds from the request to the first audio bytes (streamed where the provider streams).",
    "RTF": "Real-time factor: total request time / audio duration; below 1 is faster than real time.",
    "loudness LUFS": "Integrated loudness of the raw take; every take plays at -20 LUFS so none wins by volume.",
    "est. cost": "Estimate from presets/arena.json prices (dated; check the provider's price page).",
}


def _r(v: Any, n: int = 3) -> Any:
    return None if v is None else round(float(v), n)


def scorecard_rows(run: Run) -> list[list[Any]]:
    rows = []
    for i, t in enumerate(rank(list(run.takes)), 1):
        s, f = t.score or {}, t.cell.figures
        cost = None if t.cost is None else f"{t.cost:.5f} {t.currency}"
        tr = messages.translate
        status = tr("ok") if t.ok else (tr(t.cell.error) or tr("failed"))
        if t.ok and t.score_notes:
            status = tr("ok") + " · " + "; ".join(map(tr, t.score_notes))
        rows.append(
            [
                i if t.combined is not None else None,
                t.entrant.label,
                _r(t.combined),
                _r(s.get("similarity")),
                _r(s.get("similarity_ceiling")),
                _r(s.get("wer")),
                _r(s.get("cer")),
                _r(s.get("dnsmos_ovrl"), 2),
                _r(s.get("dnsmos_p808"), 2),
                _r(f.first_audio_s if f else None, 2),
                _r(f.rtf if f else None, 2),
                _r(f.loudness_lufs if f else None, 1),
                _r(f.duration_s if f else None, 2),
                cost,
                status,
            ]
        )
    return rows


def score_help() -> list[tuple[str, str]]:
    """(name, one line) for every number in the table."""
    try:
        from playground.scoring import SCORE_HELP
    except ImportError:
        SCORE_HELP = {}
    out = [(k, v) for k, v in (SCORE_HELP or {}).items()]
    return out + [(k, v) for k, v in FIGURE_HELP.items() if k not in dict(out)]


def model_info() -> dict:
    try:
        from playground.scoring import MODEL_INFO
    except ImportError:
        return {}
    return dict(MODEL_INFO or {})


def help_markdown() -> str:
    return "\n".join(f"- **{html.escape(k)}**: {html.escape(v)}" for k, v in score_help())


def csv_bytes(run: Run) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    writer.writerows(scorecard_rows(run))
    return buf.getvalue().encode("utf-8")


def zip_bytes(run: Run) -> bytes:
    """compare's zip (raw takes, loudness-matched copies, figures.json) plus the reference."""
    import zipfile

    data = compare.zip_bytes([t.cell for t in run.takes])
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("reference/reference.wav", run.reference_playback)
        zf.writestr("scorecard.csv", csv_bytes(run))
    return buf.getvalue()


ROUTE_PREFIX = "vcp-arena"  # the page's players fetch takes from the app's own route (ui/arena_routes.py)


def _audio_tag(data: bytes | None, src: str | None = None) -> str:
    if not data:
        return f"<em>{html.escape(messages.translate('no audio'))}</em>"
    src = src or f"data:audio/wav;base64,{base64.b64encode(data).decode()}"
    return f'<audio controls preload="none" src="{html.escape(src)}"></audio>'


def takes_html(run: Run, inline: bool = False) -> str:
    """The reference and every take as players (loudness-matched): for the page, served from the app's
    route (a few hundred bytes instead of megabytes of base64 through the queue); inline for the report."""

    def src(which: str) -> str | None:
        return None if inline else f"{ROUTE_PREFIX}/{run.token}/{which}"

    tr = messages.translate
    items = [
        f'<div class="arena-take" data-entrant="reference"><b>{html.escape(tr("Reference (your sample)"))}</b>'
        f"{_audio_tag(run.reference_playback, src('ref'))}</div>"
    ]
    for i, t in enumerate(run.takes):
        error = f'<span class="arena-error">⚠️ {html.escape(tr(t.cell.error) or tr("failed"))}</span>'
        body = _audio_tag(t.cell.playback, src(str(i))) if t.ok else error
        items.append(
            f'<div class="arena-take" data-entrant="{html.escape(t.entrant.key)}" '
            f'data-ok="{str(t.ok).lower()}"><b>{html.escape(t.entrant.label)}</b>{body}</div>'
        )
    return f'<div class="arena-takes">{"".join(items)}</div>'


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_html(run: Run, standings: list[list], agreement: str) -> bytes:
    """The whole run as one HTML page, in the language of the request (its data stays as it is)."""
    tr = messages.translate
    prices = arena_spec()["prices"]
    winner = {"a": "A", "b": "B"}
    votes = [
        [v["a"], v["b"], winner.get(v["winner"]) or tr("tie"), _r(v["a_similarity"]), _r(v["b_similarity"])]
        for v in run.voted
    ]
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(run.created_at))
    as_of = prices["as_of"]

    def h2(title: str) -> str:
        return f"<h2>{html.escape(tr(title))}</h2>"

    def table(headers: list[str], rows: list[list[Any]]) -> str:
        return _table([messages.label(h) for h in headers], rows)

    parts = [
        f"<!doctype html><html lang='{html.escape(messages.language())}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(tr('Voice Arena report'))}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}.arena-take{margin:.5em 0}"
        "audio{display:block}</style></head><body>",
        f"<h1>{html.escape(tr('Voice Arena report'))}</h1>",
        f"<p>{html.escape(tr(f'Made {made} · voice family #{run.family_id}'))}</p>",
        h2("Script") + f"<p>{html.escape(run.text)}</p>",
        h2("Takes"),
        takes_html(run, inline=True),
        h2("Scorecard"),
        table(HEADERS, scorecard_rows(run)),
        "<ul>" + "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(tr(v))}</li>" for k, v in score_help()) + "</ul>",
        h2("Blind votes"),
        table(["A", "B", "winner", "A similarity", "B similarity"], votes)
        if votes
        else f"<p>{html.escape(tr('No votes in this run.'))}</p>",
        h2("Ratings (Elo, this family)"),
        table(["entrant", "rating", "votes"], standings),
        f"<p>{html.escape(tr(agreement))}</p>",
        h2("Settings") + "<pre>" + html.escape(json.dumps(run.settings, ensure_ascii=False, indent=2)) + "</pre>",
        h2("Scoring models")
        + "<pre>"
        + html.escape(json.dumps(model_info(), ensure_ascii=False, indent=2, default=str))
        + "</pre>",
        f"<p>{html.escape(tr(f'Costs are estimates (prices as of {as_of}).'))}</p></body></html>",
    ]
    return "".join(parts).encode("utf-8")


def failed(take: Take) -> bool:
    return not take.ok
