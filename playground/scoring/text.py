"""Intelligibility: word error rate (English and other space-separated scripts) and character
error rate (Chinese, Japanese, Korean) of a transcript against the script, by edit distance.

Normalisation, both sides alike: Unicode NFKC, lower case, punctuation and symbols removed
(apostrophes inside words dropped: "don't" == "dont"). For CER, Traditional Chinese is converted
to Simplified first (opencc-python-reimplemented, t2s) and all spaces are removed. Numbers are not
spelled out: "20" and "twenty" count as different words.
"""

from __future__ import annotations

import re
import threading
import unicodedata

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_CER_LANGS = ("zh", "cmn", "yue", "ja", "ko", "chinese", "mandarin", "cantonese", "japanese", "korean")
_lock = threading.Lock()
_t2s = None


def _to_simplified(text: str) -> str:
    global _t2s
    if _t2s is None:
        with _lock:
            if _t2s is None:
                from opencc import OpenCC

                _t2s = OpenCC("t2s")
    return _t2s.convert(text)


def _strip(text: str) -> str:
    """NFKC, lower case; every character that is not a letter, mark or digit becomes a space."""
    text = unicodedata.normalize("NFKC", text).lower().replace("'", "").replace("\u2019", "")
    return "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)


def words(text: str) -> list[str]:
    return _strip(text).split()


def characters(text: str) -> list[str]:
    return list("".join(_strip(_to_simplified(text)).split()))


def detect(text: str) -> str:
    """ "cer" when at least a third of the letters are CJK, else "wer"."""
    letters = [ch for ch in text if unicodedata.category(ch)[0] == "L"]
    if not letters:
        return "wer"
    cjk = sum(1 for ch in letters if _CJK.match(ch))
    return "cer" if cjk * 3 >= len(letters) else "wer"


def kind_for(text: str, language: str | None) -> str:
    if language:
        lang = language.strip().lower().replace("_", "-")
        if lang.split("-")[0] in _CER_LANGS or lang in _CER_LANGS:
            return "cer"
        if lang.split("-")[0] in ("en", "english"):
            return "wer"
    return detect(text)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance (substitutions, deletions, insertions all cost 1)."""
    if len(ref) < len(hyp):
        ref, hyp = hyp, ref
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def error_rate(reference_text: str, hypothesis: str, language: str | None = None) -> tuple[str, float]:
    """("wer" | "cer", errors / reference length). Raises ValueError when the script has no words."""
    kind = kind_for(reference_text, language)
    split = characters if kind == "cer" else words
    ref, hyp = split(reference_text), split(hypothesis or "")
    if not ref:
        raise ValueError("The script has no words to compare the transcript with.")
    return kind, edit_distance(ref, hyp) / len(ref)
