"""The report's pictures as inline SVG (no script): similarity per entrant with the ceiling and the control
marked, and quality (DNSMOS OVRL) against the time to the first audio. Rows come from arena/results.py;
labels are passed in already in the reader's language."""

from __future__ import annotations

import html

COLORS = {"clone": "#2563eb", "control": "#9ca3af", "ceiling": "#16a34a"}


def _e(text: object) -> str:
    return html.escape(str(text))


def similarity_bars(rows: list[dict], title: str, names: dict[str, str]) -> str:
    """Horizontal bars, best first; the ceiling is a dashed line (and its own row), the control grey.
    The axis starts a little below the lowest value: similarities sit close together."""
    bars = sorted((r for r in rows if r["kind"] != "ceiling"), key=lambda r: -r["similarity"])
    ceiling = next((r["similarity"] for r in rows if r["kind"] == "ceiling"), None)
    if not bars:
        return ""
    values = [r["similarity"] for r in bars] + ([ceiling] if ceiling is not None else [])
    lo = max(-1.0, min(values) - 0.05)
    hi = min(1.0, max(values) + 0.02)
    label_w, plot_w, row_h, top = 210, 330, 24, 30
    width, height = label_w + plot_w + 60, top + row_h * len(bars) + 30

    def x(v: float) -> float:
        return label_w + (v - lo) / (hi - lo or 1.0) * plot_w

    out = [
        f'<svg class="arena-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="12">',
        f'<text x="0" y="16" font-weight="600">{_e(title)}</text>',
    ]
    for i, r in enumerate(bars):
        y = top + i * row_h
        color = COLORS.get(r["kind"], COLORS["clone"])
        name = r["entrant"] + (f" ({names['control']})" if r["kind"] == "control" else "")
        out.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(name[:34])}</text>')
        out.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(1.0, x(r["similarity"]) - label_w):.1f}" height="{row_h - 8}"'
            f' fill="{color}"><title>{_e(name)}: {r["similarity"]:.3f}</title></rect>'
        )
        out.append(f'<text x="{x(r["similarity"]) + 4:.1f}" y="{y + 15}">{r["similarity"]:.3f}</text>')
    if ceiling is not None:
        cx = x(ceiling)
        out.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{top - 4}" y2="{height - 22}" stroke="{COLORS["ceiling"]}" '
            'stroke-width="2" stroke-dasharray="5 3"/>'
        )
        out.append(
            f'<text x="{cx:.1f}" y="{height - 8}" text-anchor="middle" fill="{COLORS["ceiling"]}">'
            f"{_e(names['ceiling'])} {ceiling:.3f}</text>"
        )
    out.append(f'<text x="{label_w}" y="{height - 8}" fill="#6b7280">{lo:.2f}</text>')
    out.append("</svg>")
    return "".join(out)


def quality_scatter(rows: list[dict], title: str, x_title: str, y_title: str) -> str:
    """DNSMOS OVRL (1-5, up is better) against first-audio seconds (left is better), one labelled dot each."""
    if not rows:
        return ""
    width, height, left, bottom, top, right = 560, 260, 50, 40, 30, 20
    xs = [r["first audio s"] for r in rows]
    x_hi = max(xs) * 1.15 or 1.0
    y_lo, y_hi = 1.0, 5.0

    def px(v: float) -> float:
        return left + v / x_hi * (width - left - right)

    def py(v: float) -> float:
        return top + (y_hi - v) / (y_hi - y_lo) * (height - top - bottom)

    out = [
        f'<svg class="arena-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_e(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" font-size="12">',
        f'<text x="0" y="16" font-weight="600">{_e(title)}</text>',
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" stroke="#9ca3af"/>',
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" stroke="#9ca3af"/>',
        f'<text x="{(left + width) / 2:.0f}" y="{height - 8}" text-anchor="middle">{_e(x_title)}</text>',
        f'<text x="12" y="{(top + height - bottom) / 2:.0f}" transform="rotate(-90 12 '
        f'{(top + height - bottom) / 2:.0f})" text-anchor="middle">{_e(y_title)}</text>',
    ]
    for v in (1, 2, 3, 4, 5):
        out.append(f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v}</text>')
    out.append(f'<text x="{width - right}" y="{height - bottom + 14}" text-anchor="end">{x_hi:.1f} s</text>')
    placed: list[tuple[float, float]] = []  # labels already drawn: a label that would overlap one is left out
    for r in rows:
        cx, cy = px(r["first audio s"]), py(r["DNSMOS OVRL"])
        out.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{COLORS["clone"]}"><title>{_e(r["entrant"])}: '
            f"{r['DNSMOS OVRL']:.2f}, {r['first audio s']:.2f} s</title></circle>"
        )
        if all(abs(cx - x0) > 120 or abs(cy - y0) > 12 for x0, y0 in placed) and cx < width - 60:
            out.append(f'<text x="{cx + 7:.1f}" y="{cy - 6:.1f}" font-size="10">{_e(r["entrant"][:22])}</text>')
            placed.append((cx, cy))
    out.append("</svg>")
    return "".join(out)
