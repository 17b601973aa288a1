"""View code: the requests the playground really sent, as curl and as Python (httpx).

The snippets are built from `http.CapturedRequest`s, recorded by the Transport from the very
request object it sends, so what is shown is what ran. The key never appears: the snippets read
it from the provider's environment variable (`$SILICONFLOW_API_KEY`, `os.environ[...]`). Audio
the requests carried (multipart files, base64 data URIs) is referred to by file name; those
files come with the snippet (`attachments()`).

`SessionLog` keeps, per browser session and provider, the chain of the last operations
(upload -> clone -> speak), bounded and without audio bytes kept longer than needed.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playground import config, presets
from playground.audio import MIME_BY_FORMAT
from playground.http import CapturedRequest

EXT_BY_MIME = {mime: fmt for fmt, mime in MIME_BY_FORMAT.items() if fmt not in ("opus", "aac")}
EXT_BY_MIME.update({"audio/mp3": "mp3", "audio/x-wav": "wav", "audio/ogg": "ogg", "audio/aac": "aac"})
INLINE_LIMIT = 60_000  # bigger JSON bodies go through a heredoc, not one argv string
SKIP_HEADERS = {"accept": "*/*"}


def env_var(provider_id: str) -> str:
    return presets.load(provider_id)["env_key"]


@dataclass
class _Where:
    """Where a request went, as a snippet writes it: the provider's base URL variable (with the base the
    snippet defaults to) and the rest of the URL; `var` None: a URL kept as it is (a typed base URL)."""

    var: str | None
    default: str
    rest: str
    sandbox: bool = False


def where(req: CapturedRequest) -> _Where:
    """A sandbox run is written against the provider's public base URL (never the sandbox's local
    port); a run on the configured base URL keeps that one. Either way the snippet reads the base URL
    from the provider's variable (`SILICONFLOW_BASE_URL`), so it can be pointed elsewhere."""
    spec = presets.load(req.provider_id)
    public = str(spec.get("default_base_url", "")).rstrip("/")
    var = spec.get("env_base_url")
    sandbox = (config.sandbox_url(req.provider_id) or "").rstrip("/")
    configured = config.configured_base_url(req.provider_id)
    bases = ((sandbox, public, True), (configured, configured, False), (public, public, False))
    for base, default, is_sandbox in bases:
        if var and base and (req.url == base or req.url.startswith(base + "/") or req.url.startswith(base + "?")):
            return _Where(var, default, req.url[len(base) :], is_sandbox)
    return _Where(None, req.url, "")


def shown_path(req: CapturedRequest) -> str:
    """The request's path as the snippet sends it (on the public base URL for a sandbox run)."""
    w = where(req)
    return urlsplit(w.default + w.rest if w.var else req.url).path


def _sandbox_note(reqs: list[CapturedRequest]) -> list[str]:
    ran = [where(r) for r in reqs]
    if not any(w.sandbox for w in ran):
        return []
    w = next(w for w in ran if w.sandbox)
    label = presets.load(reqs[0].provider_id)["label"]
    return [
        f"# This run went to the playground's built-in sandbox (a simulator of the {label} API; nothing billed).",
        f"# The code calls the real service at {w.default}: set ${w.var} to send it elsewhere.",
    ]


# -- audio the requests carried -----------------------------------------------------------------
@dataclass
class _Attachment:
    name: str
    data: bytes
    mime: str


@dataclass
class _Prepared:
    """One request with its data URIs swapped for placeholders and its files named."""

    req: CapturedRequest
    body: Any
    uris: dict[str, _Attachment] = field(default_factory=dict)  # placeholder -> file
    files: list[tuple[str, _Attachment]] = field(default_factory=list)  # (field, file)
    raw: _Attachment | None = None  # a raw body (msgpack), sent from a file


class _Namer:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, wanted: str) -> str:
        stem, _, ext = wanted.rpartition(".")
        stem = stem or wanted
        name, i = wanted, 1
        while name in self.used:
            i += 1
            name = f"{stem}_{i}.{ext}" if ext else f"{wanted}_{i}"
        self.used.add(name)
        return name


def _prepare(reqs: list[CapturedRequest]) -> list[_Prepared]:
    namer = _Namer()
    out = []
    for req in reqs:
        prep = _Prepared(req=req, body=None)

        def swap(value: Any, prep: _Prepared = prep) -> Any:
            if isinstance(value, str) and value.startswith("data:") and ";base64," in value[:100]:
                mime, b64 = value[5:].split(";base64,", 1)
                name = namer(f"audio.{EXT_BY_MIME.get(mime, 'bin')}")
                placeholder = f"@@VCP_DATA_URI_{len(prep.uris) + 1}@@"
                prep.uris[placeholder] = _Attachment(name, base64.b64decode(b64), mime)
                return placeholder
            if isinstance(value, dict):
                return {k: swap(v) for k, v in value.items()}
            if isinstance(value, list):
                return [swap(v) for v in value]
            return value

        prep.body = swap(req.json) if req.json is not None else None
        prep.files = [
            (fname, _Attachment(namer(filename or "file.bin"), data, mime)) for fname, filename, data, mime in req.files
        ]
        if req.content is not None:
            ctype = req.headers.get("content-type", req.headers.get("Content-Type", "application/octet-stream"))
            prep.raw = _Attachment(namer("body.msgpack" if "msgpack" in ctype else "body.bin"), req.content, ctype)
        out.append(prep)
    return out


def attachments(reqs: list[CapturedRequest]) -> dict[str, bytes]:
    """File name -> bytes of every file the snippets read (write them next to the snippet)."""
    files: dict[str, bytes] = {}
    for prep in _prepare(reqs):
        for att in prep.uris.values():
            files[att.name] = att.data
        for _, att in prep.files:
            files[att.name] = att.data
        if prep.raw is not None:
            files[prep.raw.name] = prep.raw.data
    return files


def output_name(req: CapturedRequest, index: int) -> str | None:
    """Where a snippet saves an audio answer (None: the answer is JSON and is printed)."""
    path = urlsplit(req.url).path
    body = req.json if isinstance(req.json, dict) else _msgpack_fields(req)
    if "/text-to-speech/" in path:  # ElevenLabs: raw audio in the output_format query parameter's codec
        codec = (parse_qs(urlsplit(req.url).query).get("output_format") or ["mp3_44100_128"])[0].split("_")[0]
        return f"speech_{index}.{ {'opus': 'ogg'}.get(codec, codec) }"
    if path.endswith("/tts/sse"):  # Cartesia
        return f"speech_{index}.sse.txt"
    if path.endswith("/tts/bytes"):  # Cartesia: output_format.container
        container = (body.get("output_format") or {}).get("container", "bin")
        return f"speech_{index}.{'pcm' if container == 'raw' else container}"
    if path.endswith("/v1/tts"):  # Fish Audio (mp3 is its default)
        return f"speech_{index}.{body.get('format') or 'mp3'}"
    if not path.endswith("/audio/speech"):
        return None
    accept = req.headers.get("accept", req.headers.get("Accept", ""))
    if "event-stream" in accept or body.get("stream_format") == "sse":
        return f"speech_{index}.sse.txt"
    fmt = body.get("response_format") or ("mp3" if "model" in body else "bin")
    return f"speech_{index}.{fmt}"


def _msgpack_fields(req: CapturedRequest) -> dict:
    """The top-level fields of a msgpack body (Fish Audio with inline references), or {}."""
    if not req.content:
        return {}
    try:
        import msgpack

        doc = msgpack.unpackb(req.content, raw=False)
    except Exception:  # not msgpack, or a light copy without its bytes
        return {}
    return doc if isinstance(doc, dict) else {}


def _headers(req: CapturedRequest, *, drop_content_type: bool) -> dict[str, str]:
    out = {}
    for k, v in req.headers.items():
        if SKIP_HEADERS.get(k.lower()) == v:
            continue
        if drop_content_type and k.lower() == "content-type":
            continue
        out[_title(k)] = v
    return out


def _title(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


# -- curl -----------------------------------------------------------------------------------------
def _sq(text: str) -> str:
    """Single-quote for a POSIX shell."""
    return "'" + text.replace("'", "'\\''") + "'"


def _printf(text: str, size: int = 30_000) -> list[str]:
    return [f"printf '%s' {_sq(text[i : i + size])}" for i in range(0, len(text), size)]


def _curl_one(prep: _Prepared, index: int) -> str:
    req = prep.req
    var = env_var(req.provider_id)
    w = where(req)
    url = f'"${{{w.var}:-{w.default}}}"' + (_sq(w.rest) if w.rest else "") if w.var else _sq(req.url)
    lines = [f"curl -sS --fail-with-body -X {req.method} {url}"]
    if req.auth:
        lines.append(
            f'-H "Authorization: Bearer ${var}"'
            if req.auth_header == "Authorization"
            else f'-H "{req.auth_header}: ${var}"'
        )
    for k, v in _headers(req, drop_content_type=False).items():
        lines.append(f"-H {_sq(f'{k}: {v}')}")
    for k, v in (req.data or {}).items():
        for item in v if isinstance(v, list) else [v]:  # a repeated field: one part per value
            lines.append(f"--form-string {_sq(f'{k}={item}')}")
    for fname, att in prep.files:
        lines.append(f"-F {_sq(f'{fname}=@{att.name};type={att.mime}')}")
    if prep.raw is not None:
        lines.append(f"--data-binary @{_sq(prep.raw.name)}")
    out = output_name(req, index)
    if out:
        lines.append(f"-o {_sq(out)}")
    prefix = ""
    if prep.body is not None:
        text = json.dumps(prep.body, ensure_ascii=False, separators=(",", ":"))  # as httpx encodes it
        if prep.uris or len(text) > INLINE_LIMIT:  # stream the body: one argument holds at most 128 KiB
            parts, rest = [], text
            for placeholder, att in prep.uris.items():
                head, rest = rest.split(placeholder, 1)
                parts += _printf(head) + _printf(f"data:{att.mime};base64,") + [f"base64 -w0 {_sq(att.name)}"]
            parts += _printf(rest)
            prefix = "{ " + "; ".join(parts) + "; } | "
            lines.append("--data-binary @-")
        else:
            lines.append(f"--data-binary {_sq(text)}")
    return prefix + " \\\n  ".join(lines)


def to_curl(reqs: list[CapturedRequest]) -> str:
    if not reqs:
        return "# Run an operation first: its requests appear here."
    preps = _prepare(reqs)
    vars_ = sorted({env_var(r.provider_id) for r in reqs})
    head = [f"# Set {', '.join('$' + v for v in vars_)} to your key first." if any(r.auth for r in reqs) else ""]
    head += _sandbox_note(reqs)
    files = [a.name for p in preps for a in [*p.uris.values(), *(f for _, f in p.files), *([p.raw] if p.raw else [])]]
    if files:
        head.append(f"# Audio files sent: {', '.join(files)} (next to this script).")
    blocks = [f"# {i}. {p.req.method} {shown_path(p.req)}\n{_curl_one(p, i)}" for i, p in enumerate(preps, 1)]
    return "\n".join(h for h in head if h) + "\n\n" + "\n\n".join(blocks) + "\n"


# -- Python (httpx) -------------------------------------------------------------------------------
def _py(value: Any, indent: int, uris: dict[str, _Attachment]) -> str:
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_py(v, indent + 4, uris)}," for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "\n".join(f"{inner}{_py(v, indent + 4, uris)}," for v in value) + f"\n{pad}]"
    if isinstance(value, str) and value in uris:
        att = uris[value]
        return f"data_uri({att.name!r}, {att.mime!r})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _python_one(prep: _Prepared, index: int) -> str:
    req = prep.req
    var = env_var(req.provider_id)
    w = where(req)
    url = (f"base_url + {w.rest!r}" if w.rest else "base_url") if w.var else repr(req.url)
    args = [f"    {req.method.upper()!r},", f"    {url},"]
    headers = _headers(req, drop_content_type=prep.body is not None or bool(prep.files))
    auth = (
        f'"Authorization": f"Bearer {{os.environ[{var!r}]}}"'
        if req.auth_header == "Authorization"
        else f'"{req.auth_header}": os.environ[{var!r}]'
    )
    header_items = ([auth] if req.auth else []) + [
        f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in headers.items()
    ]
    if header_items:
        args.append("    headers={" + ", ".join(header_items) + "},")
    if prep.body is not None:
        args.append(f"    json={_py(prep.body, 4, prep.uris)},")
    if req.data:
        data = {k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in req.data.items()}
        args.append(f"    data={_py(data, 4, {})},")
    if prep.files:
        parts = [(fname, f"({att.name!r}, open({att.name!r}, 'rb'), {att.mime!r})") for fname, att in prep.files]
        if len({fname for fname, _ in parts}) == len(parts):
            args.append("    files={" + ", ".join(f"{fname!r}: {part}" for fname, part in parts) + "},")
        else:  # a repeated part (ElevenLabs `files`, Fish Audio `voices`): a list keeps every one
            args.append("    files=[" + ", ".join(f"({fname!r}, {part})" for fname, part in parts) + "],")
    if prep.raw is not None:
        args.append(f"    content=open({prep.raw.name!r}, 'rb').read(),")
    args.append("    timeout=120,")
    out = output_name(req, index)
    lines = [
        f"# {index}. {req.method} {shown_path(req)}",
        "response = httpx.request(",
        *args,
        ")",
        "if response.is_error:",
        "    print(response.text)",
        "response.raise_for_status()",
    ]
    if out:
        lines += [f"with open({out!r}, 'wb') as f:", "    f.write(response.content)", f"print('saved {out}')"]
    else:
        lines.append("print(response.text)")
    return "\n".join(lines)


def to_python(reqs: list[CapturedRequest]) -> str:
    if not reqs:
        return "# Run an operation first: its requests appear here."
    preps = _prepare(reqs)
    head = ["import os", "", "import httpx"]
    if any(p.uris for p in preps):
        head[0:1] = ["import base64", "import os"]
        head += [
            "",
            "",
            "def data_uri(path, mime):",
            "    with open(path, 'rb') as f:",
            "        return f'data:{mime};base64,' + base64.b64encode(f.read()).decode()",
        ]
    body = "\n\n".join(_python_one(p, i) for i, p in enumerate(preps, 1))
    bases = {(w.var, w.default) for w in (where(r) for r in reqs) if w.var}
    setup = _sandbox_note(reqs) + [f"base_url = os.environ.get({var!r}, {default!r})" for var, default in sorted(bases)]
    return "\n".join(head) + "\n\n" + ("\n".join(setup) + "\n\n" if setup else "") + body + "\n"


def light(req: CapturedRequest) -> CapturedRequest:
    """A copy without the audio payloads (names and types stay): what a session log keeps."""

    def strip(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("data:") and ";base64," in value[:100]:
            return value.split(";base64,", 1)[0] + ";base64,"
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return replace(
        req,
        json=strip(req.json),
        files=[(f, n, b"", m) for f, n, _, m in req.files],
        content=b"" if req.content is not None else None,
    )


# -- per-session chains ---------------------------------------------------------------------------
@dataclass
class _Op:
    event_id: str | None
    requests: list[CapturedRequest]

    @property
    def reads_only(self) -> bool:
        return all(r.method == "GET" for r in self.requests)

    @property
    def creates(self) -> bool:
        return any(not r.idempotent for r in self.requests)


class SessionLog:
    """The last chain of operations per (session, provider): a new create (upload/clone) after a
    speak starts a new chain; reads (GET) are kept apart and shown only when nothing else ran."""

    MAX_SESSIONS = 500
    MAX_OPS = 6

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chains: OrderedDict[tuple[str, str], list[_Op]] = OrderedDict()
        self._reads: dict[tuple[str, str], _Op] = {}

    def add(self, session: str, event_id: str | None, req: CapturedRequest) -> None:
        req = light(req)
        key = (session, req.provider_id)
        with self._lock:
            chain = self._chains.setdefault(key, [])
            self._chains.move_to_end(key)
            if req.method == "GET":
                read = self._reads.get(key)
                if read is None or read.event_id != event_id:
                    self._reads[key] = read = _Op(event_id, [])
                read.requests.append(req)
            elif chain and chain[-1].event_id == event_id:
                chain[-1].requests.append(req)
            else:
                op = _Op(event_id, [req])
                if op.creates and any(not o.creates for o in chain):
                    chain.clear()
                chain.append(op)
                del chain[: -self.MAX_OPS]
            while len(self._chains) > self.MAX_SESSIONS:
                old, _ = self._chains.popitem(last=False)
                self._reads.pop(old, None)

    def chain(self, session: str, provider_id: str) -> list[CapturedRequest]:
        with self._lock:
            ops = list(self._chains.get((session, provider_id), []))
            if not ops and (session, provider_id) in self._reads:
                ops = [self._reads[(session, provider_id)]]
        return [r for op in ops for r in op.requests]

    def clear(self, session: str, provider_id: str) -> None:
        with self._lock:
            self._chains.pop((session, provider_id), None)
            self._reads.pop((session, provider_id), None)


SESSIONS = SessionLog()
