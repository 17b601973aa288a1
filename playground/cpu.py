"""Work that calls no provider but costs CPU (scoring, sample analysis, transcription preparation,
loudness, conversions): run off the event loop, bounded, and in hosted mode metered per visitor.

    await cpu.run(fn, *args)                  # work a visitor asks for on its own (scoring, analysis)
    await cpu.run(fn, *args, kind="before")   # the preparation of a provider call (decoding a reference)
    await cpu.run(fn, *args, kind="after")    # what a provider's answer needs (a playback copy, a conversion)

- **Bounded**: one pool of PLAYGROUND_CPU_WORKERS threads (hosted default: the cores less one, at least 1) runs
  all of it; nothing else runs such work, so however many ask, at most that many cores are busy and
  the event loop keeps a core to answer everyone else.
- **Fair** (hosted): each visitor (client address, visitors.client_id) has one lane: their jobs run one
  at a time, in order, so the pool serves visitors in turn and one visitor's ten clips wait behind
  each other, not in front of another visitor's one. At most PLAYGROUND_CLIENT_CPU_QUEUE (16) of one
  visitor's jobs wait at once.
- **Metered** (hosted): every job's seconds in the pool are charged to the visitor; past
  PLAYGROUND_CLIENT_CPU_S (30) seconds per PLAYGROUND_CLIENT_RATE_WINDOW_S (60 s), new work is refused
  with "Slow down ... Try again in N s". Work of its own ("own") also counts as one call against the
  visitor's share like a provider call (rate per address, per network and in total:
  visitors.LIMITER.count); the preparation of a provider call ("before") is not counted twice, the
  call is; work on an answer already paid for ("after") is charged but never refused.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextvars
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from playground import hosted, visitors

T = TypeVar("T")

_lock = threading.Lock()
_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_size = 0
_lanes: dict[str, tuple[int, concurrent.futures.Future]] = {}  # client -> (jobs waiting or running, last job)
_spent: dict[str, collections.deque] = {}  # client -> (finished at, seconds) per job, this window


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def workers() -> int:
    """Hosted: the cores less one (the event loop's), at least 1; locally every core (one user)."""
    cores = os.cpu_count() or 2
    default = max(1, cores - 1) if hosted.is_hosted() else cores
    return max(1, int(_env_float("PLAYGROUND_CPU_WORKERS", default)))


def budget_s() -> float:
    return max(0.1, _env_float("PLAYGROUND_CLIENT_CPU_S", 30))


def window_s() -> float:
    return max(1.0, _env_float("PLAYGROUND_CLIENT_RATE_WINDOW_S", 60))


def queue_cap() -> int:
    return max(1, int(_env_float("PLAYGROUND_CLIENT_CPU_QUEUE", 16)))


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _pool, _pool_size
    size = workers()
    with _lock:
        if _pool is None or _pool_size != size:
            old, _pool, _pool_size = _pool, concurrent.futures.ThreadPoolExecutor(size, "vcp-cpu"), size
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def spent_s(client: str) -> float:
    """The seconds of pool work charged to `client` in the current window."""
    now = time.monotonic()
    with _lock:
        jobs = _spent.get(client)
        if not jobs:
            return 0.0
        while jobs and now - jobs[0][0] >= window_s():
            jobs.popleft()
        return sum(s for _, s in jobs)


def _charge(client: str, seconds: float) -> None:
    with _lock:
        if len(_spent) > 10_000:
            now = time.monotonic()
            for key in [k for k, q in _spent.items() if not q or now - q[-1][0] >= window_s()]:
                del _spent[key]
        _spent.setdefault(client, collections.deque()).append((time.monotonic(), seconds))


def _check_budget(client: str) -> None:
    used, cap = spent_s(client), budget_s()
    if used < cap:
        return
    with _lock:
        jobs = _spent.get(client) or collections.deque()
        oldest = jobs[0][0] if jobs else time.monotonic()
    wait = max(1, int(window_s() - (time.monotonic() - oldest) + 0.999))
    raise visitors.ClientLimitError(
        f"Slow down: your share of this server's processing ({cap:g} s per {window_s():g} s) is used up.",
        hint=f"Try again in {wait} s.",
        retry_after_s=wait,
    )


def reset() -> None:
    """Forget every visitor's charges (tests)."""
    with _lock:
        _spent.clear()


def _timed(client: str | None, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
    start = time.monotonic()
    try:
        return fn(*args, **kwargs)
    finally:
        if client is not None:
            _charge(client, time.monotonic() - start)


KINDS = ("own", "before", "after")


async def run(fn: Callable[..., T], *args: Any, kind: str = "own", **kwargs: Any) -> T:
    """Run `fn(*args, **kwargs)` in the CPU pool (see the module doc for `kind`); raises ClientLimitError
    when the visitor's share is used up (nothing ran)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    metered = kind != "after"
    loop = asyncio.get_running_loop()
    if not hosted.is_hosted():
        return await loop.run_in_executor(_executor(), contextvars.copy_context().run, _timed, None, fn, args, kwargs)
    client = visitors.client_id()
    if metered:
        _check_budget(client)
    with _lock:
        waiting = _lanes.get(client, (0, None))[0]
    if waiting >= queue_cap():
        raise visitors.ClientLimitError(
            f"Slow down: {waiting} of your jobs are already waiting for this server's processor.",
            hint="Wait for them to finish, then try again.",
            retry_after_s=5,
        )
    if kind == "own":
        visitors.LIMITER.count(client)
    mine: concurrent.futures.Future = concurrent.futures.Future()
    with _lock:
        waiting, previous = _lanes.get(client, (0, None))
        _lanes[client] = (waiting + 1, mine)
    try:
        if previous is not None:
            await asyncio.shield(asyncio.wrap_future(previous))  # this visitor's earlier job first
        if metered:
            _check_budget(client)  # the jobs before this one may have used the share up
        context = contextvars.copy_context()  # the job sees the request's session and client, as to_thread's do
        return await loop.run_in_executor(_executor(), context.run, _timed, client, fn, args, kwargs)
    finally:
        if not mine.done():
            mine.set_result(None)
        with _lock:
            waiting, last = _lanes.get(client, (1, mine))
            if waiting <= 1:
                _lanes.pop(client, None)
            else:
                _lanes[client] = (waiting - 1, last)
