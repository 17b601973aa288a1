"""An imported library archive is data from a stranger: check it before anything is kept.

What `checked_zip` guarantees before a byte is decompressed: at most `max_files` members, every
member and library.json within its size, the sum of the sizes in the headers within the total
cap (PLAYGROUND_IMPORT_MAX_MB), member names only of the form files/<kind>/<name>.<ext>.
`read_member` then bounds the real read too, so a header that lies about a size cannot push past it.
`clean_doc` validates library.json against an explicit schema (stdlib only) and keeps only known
fields of known types and sizes; a take keeps only the value settings its speak form re-runs with
(presets/library.json "rerun"): never a URL, a file path or a key. Dates in it are display-only.
"""

from __future__ import annotations

import json
import math
import os
import re
import zipfile
import zlib
from typing import Any

from playground import presets
from playground.errors import InputError

HINT = "Choose a .zip made by Export in this app (and not edited)."
PROVIDERS = ("siliconflow", "minimax", "zhipu", "openai_compat")


def limits() -> dict[str, Any]:
    spec = dict(presets.load("library")["archive"])
    try:
        total_mb = float(os.environ.get("PLAYGROUND_IMPORT_MAX_MB", "") or spec["max_total_mb_default"])
    except ValueError:
        total_mb = float(spec["max_total_mb_default"])
    spec["max_total_bytes"] = int(total_mb * 1024 * 1024)
    return spec


def _refuse(message: str) -> InputError:
    return InputError(message, hint=HINT)


def checked_zip(source) -> zipfile.ZipFile:
    """The archive opened, its directory checked against the caps (nothing decompressed yet)."""
    lim = limits()
    try:
        zf = zipfile.ZipFile(source)
        members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _refuse("This is not a voice library export (not a readable zip file).") from exc
    pattern = re.compile(lim["member_pattern"])
    if len(members) > lim["max_files"]:
        zf.close()
        raise _refuse(f"The archive holds {len(members):,} files; an import takes at most {lim['max_files']:,}.")
    total = 0
    for info in members:
        name = info.filename
        if name == "library.json":
            cap = lim["max_json_bytes"]
        elif pattern.match(name) and ".." not in name:
            cap = lim["max_member_bytes"]
        else:
            zf.close()
            raise _refuse("The archive holds a file this app never exports (only library.json and files/…).")
        if info.file_size > cap:
            zf.close()
            raise _refuse(
                f"{name} in the archive is {info.file_size / 1e6:,.0f} MB uncompressed; "
                f"an import takes at most {cap / 1e6:,.0f} MB per file."
            )
        total += info.file_size
    if total > lim["max_total_bytes"]:
        zf.close()
        raise _refuse(
            f"The archive unpacks to {total / 1e6:,.0f} MB; an import takes at most "
            f"{lim['max_total_bytes'] / 1e6:,.0f} MB (PLAYGROUND_IMPORT_MAX_MB)."
        )
    return zf


class Budget:
    """Bytes actually decompressed so far, against the total cap."""

    def __init__(self) -> None:
        self.left = limits()["max_total_bytes"]


def read_member(zf: zipfile.ZipFile, name: str, cap: int, budget: Budget) -> bytes:
    """One member, reading at most `cap` (and what the budget has left) whatever its header says."""
    bound = min(cap, budget.left)
    try:
        with zf.open(name) as fh:
            data = fh.read(bound + 1)
    except KeyError as exc:
        raise _refuse(f"The archive lacks {name}.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise _refuse(f"{name} in the archive is damaged or encrypted.") from exc
    if len(data) > bound:
        raise _refuse(f"{name} in the archive unpacks to more than its header says or the import allows.")
    budget.left -= len(data)
    return data


# -- the schema of library.json ----------------------------------------------------------------
def _fail(where: str, what: str) -> InputError:
    return _refuse(f"The archive's library.json is not valid: {where} {what}.")


def _text(value: Any, where: str, cap: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > cap or (required and not value.strip()):
        raise _fail(where, f"must be text of {'1' if required else '0'} to {cap:,} characters")
    return value


def _number(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, "must be a number")
    return float(value)


def _member(value: Any, where: str, pattern: re.Pattern, files: dict) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value) or ".." in value or value not in files:
        raise _fail(where, "must name a file listed in the archive")
    return value


def _json_obj(value: Any, where: str, cap: int) -> dict:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        if len(value) > cap:
            raise _fail(where, f"is over {cap:,} characters")
        try:
            value = json.loads(value)
        except ValueError:
            raise _fail(where, "must be a JSON object") from None
    if not isinstance(value, dict):
        raise _fail(where, "must be a JSON object")
    return value


def _plain_value(value: Any) -> bool:
    return value is None or (
        isinstance(value, (str, int, float, bool)) and not (isinstance(value, float) and not math.isfinite(value))
    )


def rerun_params(handler: str, params: dict, max_chars: int) -> dict:
    """Only the value settings a re-run of `handler` uses, each a plain value of bounded size."""
    spec = presets.load("library")["rerun"].get(handler)
    if spec is None:
        return {}
    keep = {}
    for name in spec["keep"]:
        value = params.get(name)
        if name in params and _plain_value(value) and (not isinstance(value, str) or len(value) <= max_chars):
            keep[name] = value
    return keep


def clean_doc(doc: Any, format_name: str, version: int) -> dict:
    """library.json, validated: {"voices": [...], "takes": [...], "files": {...}} of known fields only."""
    lim = limits()
    if not isinstance(doc, dict) or doc.get("format") != format_name:
        raise _refuse("This is not a voice library export.")
    if not isinstance(doc.get("version"), int) or not 1 <= doc["version"] <= version:
        raise _refuse("This voice library export was made by a newer version of the app.")
    files = doc.get("files") or {}
    pattern = re.compile(lim["member_pattern"])
    if (
        not isinstance(files, dict)
        or len(files) > lim["max_files"]
        or not all(
            isinstance(k, str) and pattern.match(k) and isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
            for k, v in files.items()
        )
    ):
        raise _fail("files", "must map archive file names to sha256 hashes")
    out: dict[str, Any] = {"files": files, "voices": [], "takes": []}
    short, long_ = lim["max_field_chars"], lim["max_text_chars"]
    for kind in ("voices", "takes"):
        items = doc.get(kind) or []
        if not isinstance(items, list) or len(items) > lim["max_entries"]:
            raise _fail(kind, f"must be a list of at most {lim['max_entries']:,} entries")
        for i, item in enumerate(items):
            at = f"{kind}[{i}]"
            if not isinstance(item, dict):
                raise _fail(at, "must be an object")
            provider = item.get("provider")
            if provider not in PROVIDERS:
                raise _fail(f"{at}.provider", f"must be one of {', '.join(PROVIDERS)}")
            row = {
                "provider": provider,
                "model": _text(item.get("model"), f"{at}.model", short) or None,
                "sandbox": bool(item.get("sandbox")),
                "created_at": _number(item.get("created_at"), f"{at}.created_at"),
            }
            if kind == "voices":
                row.update(
                    voice_id=_text(item.get("voice_id"), f"{at}.voice_id", 256, required=True),
                    name=_text(item.get("name"), f"{at}.name", short),
                    transcript=_text(item.get("transcript"), f"{at}.transcript", long_),
                    note=_text(item.get("note"), f"{at}.note", short),
                    sample_format=_text(item.get("sample_format"), f"{at}.sample_format", 8) or None,
                    expires_at=_number(item.get("expires_at"), f"{at}.expires_at"),
                    last_used_at=_number(item.get("last_used_at"), f"{at}.last_used_at"),
                    extra={
                        k: v
                        for k, v in _json_obj(item.get("extra"), f"{at}.extra", lim["max_params_bytes"]).items()
                        if isinstance(k, str)
                        and len(k) <= 64
                        and _plain_value(v)
                        and (not isinstance(v, str) or len(v) <= short)
                    },
                    sample=_member(item.get("sample"), f"{at}.sample", pattern, files),
                    preview=_member(item.get("preview"), f"{at}.preview", pattern, files),
                )
            else:
                handler = _text(item.get("handler"), f"{at}.handler", 64)
                params = _json_obj(item.get("params"), f"{at}.params", lim["max_params_bytes"])
                timing = _json_obj(item.get("timing"), f"{at}.timing", 4096)
                rate = item.get("sample_rate")
                if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or not 0 < rate <= 384000):
                    raise _fail(f"{at}.sample_rate", "must be a whole number of Hz up to 384000")
                row.update(
                    voice=_text(item.get("voice"), f"{at}.voice", 256),
                    text=_text(item.get("text"), f"{at}.text", long_),
                    handler=handler,
                    params=rerun_params(handler, params, long_),
                    format=re.sub(r"[^a-z0-9]", "", _text(item.get("format"), f"{at}.format", 8).lower()) or "bin",
                    sample_rate=rate,
                    timing={
                        k: float(v)
                        for k, v in timing.items()
                        if k in ("first_byte_s", "total_s")
                        and isinstance(v, (int, float))
                        and not isinstance(v, bool)
                        and math.isfinite(v)
                    },
                    audio=_member(item.get("audio"), f"{at}.audio", pattern, files),
                )
            out[kind].append(row)
    return out
