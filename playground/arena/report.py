"""What an Arena run hands over: the ranked cards, the scorecard table, one self-contained HTML report
(verdict, pictures as inline SVG, cards with MP3 players, then the table, votes, settings, scoring models
and date), a CSV safe to open in a spreadsheet and a zip of the raw takes.

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
from playground.arena import results, svg
from playground.arena.entrants import arena_spec
from playground.arena.speaking import Run, Take

HEADERS = [
    "rank",
    "entrant",
    "combined",
    "similarity",
    "ceiling",
    "takes",
    "similarity spread",
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
# the scorer's own keys, as the table names them (help is given once per column, in its display name)
SCORE_NAMES = {
    "similarity": "similarity",
    "similarity_ceiling": "ceiling",
    "wer": "WER",
    "cer": "CER",
    "dnsmos_ovrl": "DNSMOS OVRL",
    "dnsmos_p808": "DNSMOS P.808",
    "duration_s": "duration s",
}
FIGURE_HELP = {
    "combined": "Weighted mean of similarity (over the ceiling), 1 - error rate and DNSMOS OVRL, over the parts "
    "known; the parts stay in their own columns.",
    "takes": "How many takes of the script this entrant spoke; the row shows its best take.",
    "similarity spread": "Highest minus lowest similarity of the entrant's takes: how much the same voice "
    "varies on its own. Differences between entrants smaller than this mean little.",
    "first audio s": "Seconds from the request to the first audio bytes (streamed where the provider streams).",
    "RTF": "Real-time factor: total request time / audio duration; below 1 is faster than real time.",
    "loudness LUFS": "Integrated loudness of the raw take; every take plays at -20 LUFS so none wins by volume.",
    "est. cost": "Estimate from presets/arena.json prices (dated; check the provider's price page).",
}
# which way is better, for the cards
BETTER = {"similarity": "higher", "WER": "lower", "CER": "lower", "DNSMOS OVRL": "higher", "first audio s": "lower"}


def _r(v: Any, n: int = 3) -> Any:
    return None if v is None else round(float(v), n)


def shared_notes(run: Run) -> list[str]:
    """Notes every scored take carries (e.g. the sandbox's recogniser): said once, under the table."""
    noted = [t.score_notes for t in run.takes if t.ok]
    if not noted:
        return []
    common = set(noted[0]).intersection(*map(set, noted[1:])) if len(noted) > 1 else set(noted[0])
    return [n for n in noted[0] if n in common]


def _status(g: results.Group, shared: list[str]) -> str:
    tr = messages.translate
    t = g.best
    if not t.ok:
        return tr(t.cell.error) or tr("failed")
    own = [n for n in t.score_notes if n not in shared]
    failed = len(g.takes) - len(g.ok)
    if failed:
        own.append(f"{failed} of {len(g.takes)} takes failed")
    return tr("ok") + (" · " + "; ".join(map(tr, own)) if own else "")


def scorecard_rows(run: Run) -> list[list[Any]]:
    """One row per entrant (its best take), best combined first."""
    rows = []
    shared = shared_notes(run)
    for i, g in enumerate(results.ranked(run), 1):
        t = g.best
        s, f = t.score or {}, t.cell.figures
        cost = None if t.cost is None else f"{t.cost:.5f} {t.currency}"
        rows.append(
            [
                i if g.combined is not None else None,
                t.entrant.label,
                _r(g.combined),
                _r(s.get("similarity")),
                _r(s.get("similarity_ceiling")),
                len(g.takes),
                g.spread,
                _r(s.get("wer")),
                _r(s.get("cer")),
                _r(s.get("dnsmos_ovrl"), 2),
                _r(s.get("dnsmos_p808"), 2),
                _r(f.first_audio_s if f else None, 2),
                _r(f.rtf if f else None, 2),
                _r(f.loudness_lufs if f else None, 1),
                _r(f.duration_s if f else None, 2),
                cost,
                _status(g, shared),
            ]
        )
    return rows


def score_help() -> list[tuple[str, str]]:
    """(column name, one line) for every number in the table, in the table's order, each once."""
    try:
        from playground.scoring import SCORE_HELP
    except ImportError:
        SCORE_HELP = {}
    by_name = {SCORE_NAMES[k]: v for k, v in (SCORE_HELP or {}).items() if k in SCORE_NAMES}
    by_name.update(FIGURE_HELP)
    return [(h, by_name[h]) for h in HEADERS if h in by_name]


def model_info() -> dict:
    try:
        from playground.scoring import MODEL_INFO
    except ImportError:
        return {}
    return dict(MODEL_INFO or {})


def help_markdown() -> str:
    return "\n".join(f"- **{html.escape(k)}**: {html.escape(v)}" for k, v in score_help())


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading
    apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(run: Run) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    writer.writerows([[csv_safe(v) for v in row] for row in scorecard_rows(run)])
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
REPORT_AUDIO_FORMAT, REPORT_AUDIO_BITRATE, REPORT_AUDIO_RATE = "mp3", "40k", 22050  # ~5 KB per second of speech


def report_audio(wav: bytes | None) -> str | None:
    """A take as a small MP3 data URI for the report (None when it cannot be encoded)."""
    if not wav:
        return None
    from playground.audio import decode, encode

    try:
        data = encode(
            decode(wav),
            REPORT_AUDIO_FORMAT,
            sample_rate=REPORT_AUDIO_RATE,
            channels=1,
            bitrate=REPORT_AUDIO_BITRATE,
        )
    except Exception:  # the report still says everything else
        return None
    return f"data:audio/mpeg;base64,{base64.b64encode(data).decode()}"


def _audio_tag(src: str | None) -> str:
    if not src:
        return f"<em>{html.escape(messages.translate('no audio'))}</em>"
    return f'<audio controls preload="none" src="{html.escape(src)}"></audio>'


def _num(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{float(value):.{digits}f}"


def _card_numbers(g: results.Group) -> list[tuple[str, str]]:
    """(label with which way is better, value) for the few numbers that matter."""
    t = g.best
    s, f = t.score or {}, t.cell.figures
    arrow = {"higher": "↑", "lower": "↓"}
    sim = _num(s.get("similarity"))
    if g.spread is not None:
        n = len(g.similarities)
        sim += f" <small>± {g.spread / 2:.3f} ({html.escape(messages.translate(f'{n} takes'))})</small>"
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in t.cell.text or "")
    err_name = "CER" if s.get("cer") is not None or (s.get("wer") is None and chinese) else "WER"
    out = [
        (f"{messages.label('similarity')} {arrow['higher']}", sim),
        (f"{messages.label(err_name)} {arrow['lower']}", _num(s.get(err_name.lower()), 2)),
        (f"DNSMOS {arrow['higher']}", _num(s.get("dnsmos_ovrl"), 2)),
        (f"{messages.label('first audio s')} {arrow['lower']}", _num(f.first_audio_s if f else None, 2)),
    ]
    if t.cost is not None:
        out.append((messages.label("est. cost"), html.escape(f"{t.cost:.4f} {t.currency}")))
    return out


def cards_html(run: Run, inline: bool = False, scored: bool = True) -> str:
    """Your sample, then one card per entrant, ranked: its best take's player and the few numbers that
    matter (arrows say which way is better). On the page the players load from the app's route (a few
    hundred bytes instead of megabytes of base64 through the queue); in the report they are inline MP3."""
    tr = messages.translate
    index = {id(t): i for i, t in enumerate(run.takes)}

    def src(take_index: int | None, wav: bytes | None) -> str | None:
        if inline:
            return report_audio(wav)
        return f"{ROUTE_PREFIX}/{run.token}/{'ref' if take_index is None else take_index}"

    ceiling = results.ceiling(run)
    ref_note = f"<p class='arena-note'>{html.escape(tr('ceiling'))}: {_num(ceiling)}</p>" if ceiling else ""
    items = [
        f'<div class="arena-card arena-ref" data-entrant="reference"><div class="arena-card-head"><b>'
        f"{html.escape(tr('Reference (your sample)'))}</b></div>{_audio_tag(src(None, run.reference_playback))}"
        f"{ref_note}</div>"
    ]
    groups = results.ranked(run) if scored else results.groups(run)
    judged = results.judge(run) if scored else None
    tied = set(judged.leaders) if judged is not None and judged.kind in ("tie", "control") else set()
    for n, g in enumerate(groups, 1):
        t = g.best
        rank = "=" if g.entrant.label in tied else f"#{n}"  # no crown where the numbers cannot tell
        badge = f"<span class='arena-rank'>{rank}</span> " if scored and t.ok and g.combined is not None else ""
        tag = f" <span class='arena-tag'>{html.escape(tr('control'))}</span>" if g.entrant.kind == "control" else ""
        head = f"<div class='arena-card-head'>{badge}<b>{html.escape(g.entrant.label)}</b>{tag}</div>"
        if not t.ok:
            body = f'<p class="arena-error">⚠️ {html.escape(tr(t.cell.error) or tr("failed"))}</p>'
        else:
            numbers = "".join(f"<div><dt>{html.escape(k)}</dt><dd>{v}</dd></div>" for k, v in _card_numbers(g))
            body = _audio_tag(src(index[id(t)], t.cell.playback)) + f"<dl class='arena-nums'>{numbers}</dl>"
            failed = len(g.takes) - len(g.ok)
            if failed:
                body += f"<p class='arena-note'>{html.escape(tr(f'{failed} of {len(g.takes)} takes failed'))}</p>"
        items.append(
            f'<div class="arena-card" data-entrant="{html.escape(g.entrant.key)}" data-ok="{str(t.ok).lower()}">'
            f"{head}{body}</div>"
        )
    legend = html.escape(tr("↑ higher is better · ↓ lower is better"))
    if tied:
        legend += " · " + html.escape(tr("= within the measurement's noise of the best"))
    notes = "".join(f"<li>{html.escape(tr(n))}</li>" for n in shared_notes(run))
    foot = f"<p class='arena-legend'>{legend}</p>" + (f"<ul class='arena-shared'>{notes}</ul>" if notes else "")
    return f'<div class="arena-cards">{"".join(items)}</div>{foot}'


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{'' if v is None else html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows
    )
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


REPORT_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;padding:16px;max-width:1000px;color:#111;line-height:1.4}"
    "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin:1.4em 0 .4em}"
    ".verdict{font-size:1.15em;border-left:4px solid #2563eb;padding:8px 12px;background:#eff6ff}"
    ".arena-chart{width:100%;height:auto;max-width:640px;display:block;margin:.5em 0}"
    ".arena-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px}"
    ".arena-card{border:1px solid #d1d5db;border-radius:8px;padding:8px;overflow-wrap:anywhere;break-inside:avoid}"
    ".arena-rank{font-weight:700;color:#2563eb}.arena-tag{font-size:.8em;background:#e5e7eb;border-radius:4px;"
    "padding:0 4px}.arena-nums{display:grid;grid-template-columns:1fr 1fr;gap:2px 10px;margin:.4em 0}"
    ".arena-nums dt{font-size:.8em;color:#4b5563}.arena-nums dd{margin:0;font-weight:600}"
    ".arena-error{color:#b91c1c}.arena-note,.arena-legend{font-size:.85em;color:#4b5563}"
    "audio{width:100%;display:block}.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ccc;padding:3px 6px;font-size:12px}pre{white-space:pre-wrap;font-size:12px}"
    "@media print{audio{display:none}.arena-card{border-color:#999}body{max-width:none}}"
)


def charts_svg(run: Run) -> str:
    tr = messages.translate
    sim = svg.similarity_bars(
        results.similarity_rows(run),
        tr("Similarity to your voice (best take; higher is closer)"),
        {"control": tr("control"), "ceiling": tr("your ceiling")},
    )
    quality = svg.quality_scatter(
        results.quality_rows(run),
        tr("Quality against speed"),
        tr("seconds to the first audio (left is faster)"),
        tr("DNSMOS OVRL (higher is cleaner)"),
    )
    return sim + quality


def report_html(run: Run, standings: list[list], agreement: str, verdict_text: str | None = None) -> bytes:
    """The whole run as one page a stakeholder reads in 30 seconds: the verdict, the pictures, the ranked
    cards with their players, then the details. In the language of the request (its data stays as it is)."""
    tr = messages.translate
    prices = arena_spec()["prices"]
    winner = {"a": "A", "b": "B"}
    votes = [
        [v["a"], v["b"], winner.get(v["winner"]) or tr("tie"), _r(v["a_similarity"]), _r(v["b_similarity"])]
        for v in run.voted
    ]
    made = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(run.created_at))
    as_of = prices["as_of"]
    verdict_text = verdict_text or results.judge(run).sentence()

    def h2(title: str) -> str:
        return f"<h2>{html.escape(tr(title))}</h2>"

    def table(headers: list[str], rows: list[list[Any]]) -> str:
        return _table([messages.label(h) for h in headers], rows)

    parts = [
        f"<!doctype html><html lang='{html.escape(messages.language())}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(tr('Voice Arena report'))}</title><style>{REPORT_CSS}</style></head><body>",
        f"<h1>{html.escape(tr('Voice Arena report'))}</h1>",
        f"<p class='verdict'>{html.escape(verdict_text)}</p>",
        charts_svg(run),
        h2("Takes"),
        cards_html(run, inline=True),
        h2("Script") + f"<p>{html.escape(run.text)}</p>",
        h2("Scorecard"),
        table(HEADERS, scorecard_rows(run)),
        "<ul>"
        + "".join(f"<li><b>{html.escape(messages.label(k))}</b>: {html.escape(tr(v))}</li>" for k, v in score_help())
        + "</ul>",
        h2("Blind votes"),
        table(["A", "B", "winner", "A similarity", "B similarity"], votes)
        if votes
        else f"<p>{html.escape(tr('No votes in this run.'))}</p>",
        h2("Ratings (Elo, this family)"),
        table(["entrant", "rating", "95% interval", "votes"], standings),
        f"<p>{html.escape(tr(agreement))}</p>",
        h2("Settings") + "<pre>" + html.escape(json.dumps(run.settings, ensure_ascii=False, indent=2)) + "</pre>",
        h2("Scoring models")
        + "<pre>"
        + html.escape(json.dumps(model_info(), ensure_ascii=False, indent=2, default=str))
        + "</pre>",
        f"<p>{html.escape(tr(f'Made {made} · voice family #{run.family_id}'))}</p>",
        f"<p>{html.escape(tr(f'Costs are estimates (prices as of {as_of}).'))}</p></body></html>",
    ]
    return "".join(parts).encode("utf-8")


def failed(take: Take) -> bool:
    return not take.ok
