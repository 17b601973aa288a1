"""Files handed to Gradio as downloads: one folder per request, all under one folder per process,
pruned after an hour and removed when the app exits.

Gradio copies every file an event returns into its own cache (which `delete_cache` in layout.py
cleans hourly), so ours only has to outlive the event. Without pruning, every take of a
long-running server would stay in the temp directory for good (the soak wrote 600 in a minute).
The voice library keeps its own copies (playground/library), so nothing a user saved is here.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

KEEP_S = 3600.0  # as long as Gradio keeps its cached copy (delete_cache in layout.py)
PRUNE_EVERY_S = 60.0
PREFIX = "vcp-downloads-"

_lock = threading.Lock()
_root: Path | None = None
_last_prune = 0.0


def root() -> Path:
    """This process's folder (created on first use, removed at exit)."""
    global _root
    with _lock:
        if _root is None or not _root.is_dir():
            if _root is None:
                _remove_stale_roots()
            _root = Path(tempfile.gettempdir()) / f"{PREFIX}{os.getpid()}"
            _root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _root


def _remove_stale_roots() -> None:
    """Folders of earlier processes that did not exit cleanly (killed, crashed): their pid is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        pid = folder.name[len(PREFIX) :]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write(kind: str, name: str, data: bytes) -> str:
    """Write `data` as `<root>/<kind>-xxxx/<name>` (a folder of its own, so two requests never
    share a name) and return its path. Old folders are pruned on the way."""
    prune()
    folder = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=root()))
    path = folder / name
    path.write_bytes(data)
    return str(path)


def prune(now: float | None = None, *, force: bool = False) -> int:
    """Remove folders older than KEEP_S (at most once a minute unless forced); how many went."""
    global _last_prune
    now = time.time() if now is None else now
    with _lock:
        if not force and now - _last_prune < PRUNE_EVERY_S:
            return 0
        _last_prune = now
        base = _root
    if base is None or not base.is_dir():
        return 0
    removed = 0
    for folder in base.iterdir():
        try:
            if now - folder.stat().st_mtime > KEEP_S:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


@atexit.register
def _remove_root() -> None:
    if _root is not None:
        shutil.rmtree(_root, ignore_errors=True)
