"""What a Chinese page still says in English: runs of three or more English words in the visible text,
outside the things that stay as they are (names of providers, models and voices, ids, units, code,
the provider's own quoted words, the text a person typed)."""

from __future__ import annotations

import re

# a run: three or more words of Latin letters separated by single spaces (one line)
RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t]+[A-Za-z][A-Za-z'’]*){2,}")

# names that are English by nature: provider, product, model and voice names and what the app was
# given to say (the example and typed texts). A run counts as a name when it lies inside one of these.
NAMES = [
    "Voice Clone Playground",
    "Zhipu BigModel",
    "Fish Audio",
    "OpenAI compatible",
    "Hello, this is my voice. I am recording a sample for the playground.",
    "Speaking with my uploaded voice",
    "Hello from the playground",
    "Bearer",
]

# text in these is code, a typed value or the provider's own voice list: not drawn by the app's words
SKIP = (
    "code, pre, .cm-editor, textarea, input, select, [data-testid=textbox], .vcp-lang, "
    "li[role=option], ul.options, .toast-body code, "
    # the History and voice tables' rows are data: other runs' texts, voice names and the sample texts
    # people cloned with (headers are still checked)
    "#lib-history-table tbody, #lib-history-table .virtual-body, "
    "[id$=-voices-table] tbody, [id$=-voices-table] .virtual-body"
)

_VISIBLE_TEXT = """(args) => {
  const [root, skip] = args;
  const out = [];
  const scope = document.querySelector(root) || document.body;
  const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    const text = n.nodeValue.trim();
    if (!text) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || !el.getClientRects().length) continue;
    if (el.closest('[hidden], .hidden, [aria-hidden=true]')) continue;
    out.push(text);
  }
  // a dropdown shows its chosen option's label in its input: that is the app's text too
  scope.querySelectorAll('input[role=combobox]').forEach((i) => { if (i.offsetParent && i.value) out.push(i.value); });
  return out;
}"""


def voice_names() -> list[str]:
    """The providers' own voice names (presets `system_voices`): "Deep Voice Man" is a name."""
    from playground import presets
    from playground.ui.tabs import TABS

    names: list[str] = []
    for tab in TABS:
        voices = presets.load(tab.pid).get("system_voices")
        if isinstance(voices, dict):
            names += [str(v.get("label", k)) if isinstance(v, dict) else str(v) for k, v in voices.items()]
        elif isinstance(voices, list):
            names += [str(v) for v in voices]
    return names


def english_runs(page, root: str = "body", extra_names: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Every run of 3+ English words in the visible text under `root` that is not a name."""
    names = [n.lower() for n in [*NAMES, *voice_names(), *extra_names]]
    found = []
    for text in page.evaluate(_VISIBLE_TEXT, [root, SKIP]):
        for line in text.splitlines():
            for run in RUN.findall(line):
                low = run.lower()
                if any(low in name for name in names):
                    continue
                found.append(f"{run!r} in {line[:140]!r}")
    return sorted(set(found))
