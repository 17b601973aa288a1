"""The page's finish at a phone (390 px) and a desktop (1400 px): tables that scroll sideways with a
visible cue and a first column that stays, controls that are not clipped, buttons that look like
buttons, bold letters in one font. layout.py adds `CSS` to the page's stylesheet."""

from __future__ import annotations

CSS = """
/* Gradio's bundled Source Sans Pro SemiBold (600) is a few-glyph subset: a bold "KiB" or "dB" drew its
   B from another font, smaller. Bold text uses the complete Bold face instead. */
@font-face {
  font-family: 'Source Sans Pro'; font-weight: 600; font-style: normal; font-display: swap;
  src: url('static/fonts/SourceSansPro/SourceSansPro-Bold.woff2') format('woff2');
}

/* tables: scroll sideways inside their own box, a shadow on the side that has more, the first column
   stays in view, long notes wrap instead of being cut */
.table-wrap, .table-container, .vcp-scroll, .arena-table-wrap {
  overflow-x: auto !important; -webkit-overflow-scrolling: touch;
  background:
    linear-gradient(to right, var(--background-fill-primary) 30%, transparent) left / 24px 100% no-repeat local,
    linear-gradient(to left, var(--background-fill-primary) 30%, transparent) right / 24px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.22), transparent) left / 10px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.22), transparent) right / 10px 100% no-repeat scroll;
}
table th:first-child, table td:first-child {
  position: sticky; left: 0; z-index: 2;
  background: var(--table-odd-background-fill, var(--background-fill-primary));
  box-shadow: 1px 0 0 var(--border-color-primary);
}
table tr:nth-child(even) td:first-child {
  background: var(--table-even-background-fill, var(--background-fill-primary));
}
table td { overflow-wrap: anywhere; }
table td:first-child { overflow-wrap: break-word; word-break: normal; min-width: 7.5em; }
table td .cell-wrap, table td span {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
@media (max-width: 640px) {
  table th, table td { min-width: 5.5em; }
  table td { max-width: 16em; }
  /* a cue under every table that there is more to the side */
  .vcp-scroll-cue::after, [id$='-table']::after, [id$='-figures-table']::after {
    content: '⇆'; display: block; text-align: right; font-size: 1.1em; color: var(--color-accent, #f97316);
    padding: 2px 8px 0;
  }
}

/* dropdowns: the chosen text ends before the arrow (with an ellipsis) instead of running under it */
.wrap-inner .secondary-wrap { min-width: 0; }
.wrap-inner .secondary-wrap input { min-width: 0; text-overflow: ellipsis; padding-right: 40px !important; }

/* the key panel: Test key, Remember and the status fall onto new lines when narrow; the status reads
   as one phrase, never one word per line */
.vcp-key-panel > .row, .vcp-key-panel .row { flex-wrap: wrap !important; }
.vcp-key-panel [id$='-key-status'] { flex: 1 1 14em !important; min-width: 12em !important; padding: 6px 10px; }
.vcp-key-status { display: inline-block; line-height: 1.35; }
/* on a phone the key panel and the account fields (region, group id, base URL) each take the full width */
@media (max-width: 640px) {
  .row:has(> .vcp-key-panel) { flex-wrap: wrap !important; }
  .row:has(> .vcp-key-panel) > *, .row:has(> .vcp-key-panel) > .form > * {
    flex: 1 1 100% !important; min-width: 100% !important;
  }
}

/* small buttons that sit next to a field look like buttons (not a grey panel) and keep their height */
button.vcp-button {
  flex: 0 0 auto !important; align-self: flex-end; min-height: 2.4em; max-height: 3em; min-width: 7em;
  margin: 8px; padding: 4px 16px !important; white-space: nowrap;
  border: 1px solid var(--neutral-300, #d4d4d8) !important; border-radius: 8px !important;
  background: var(--background-fill-primary, #fff) !important; color: var(--body-text-color) !important;
  box-shadow: 0 1px 2px rgba(0, 0, 0, 0.12) !important;
}
button.vcp-button:hover { background: var(--neutral-100, #f4f4f5) !important; }

/* the microphone picker shows its whole text ("No microphone found") or wraps, never "No microphone fou…" */
select.mic-select { width: auto !important; max-width: 100% !important; min-width: 0; text-overflow: clip; }
.controls .wrapper { flex-wrap: wrap; gap: 6px; }

/* the sample card: "Duration: 14.7 s", the name and its value apart */
.clinic-fig { display: flex; gap: 0.35em; flex-wrap: wrap; align-items: baseline; }

/* an error stays in the result area, with its message */
.vcp-error { border-left: 4px solid #dc2626; padding: 6px 10px; background: rgba(220, 38, 38, 0.06); }
"""
