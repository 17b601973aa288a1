"""Arena scoring: CPU seconds to score a 10 s take (speaker similarity + DNSMOS), with the models
already loaded and the reference already measured, as in an arena round; plus the one-off costs
(import, first score with model loading and the reference) and the memory the models take.

Runs in a child process so that model loading and the one-BLAS-thread setting are its own.
`python -m bench.scoring` prints the figures alone.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench import PY, ROOT, Figure, clean_env

TARGET_CPU_S = 0.5  # per 10 s take, similarity and quality together (issue 16)
ROUNDS = 5

PROBE = r"""
import asyncio, json, time
import numpy as np

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

t0 = time.process_time()
from playground import scoring
from playground.audio import wrap_pcm
from playground.sandbox.speech import ESPEAK_RATE, synthesize_pcm
import_cpu = time.process_time() - t0

def speech(text, voice, seconds):
    pcm = np.frombuffer(synthesize_pcm(text, voice), dtype="<i2")
    pcm = np.tile(pcm, int(np.ceil(seconds * ESPEAK_RATE / len(pcm))))[: int(seconds * ESPEAK_RATE)]
    return wrap_pcm(pcm.tobytes(), ESPEAK_RATE)

reference = speech("A calm voice reads this sample aloud for the playground, sentence after sentence.", "anna", 12)
takes = [speech(f"Take number {i}: every clone should sound like its speaker.", v, 10.0)
         for i, v in enumerate(["anna", "david", "bella", "charles", "diana", "alex"])]
rss0 = rss_kb()
t = time.process_time()
asyncio.run(scoring.score_take(reference, takes[0], "x"))
first_cpu = time.process_time() - t
rss1 = rss_kb()
from playground.audio import decode
from playground.clinic import samples_of
per_take, models = [], []
for take in takes[1:]:
    t = time.process_time()
    card = asyncio.run(scoring.score_take(reference, take, "x"))
    per_take.append(time.process_time() - t)
    x = samples_of(decode(take))
    t = time.process_time()
    scoring.embed(x, ESPEAK_RATE)
    emb = time.process_time() - t
    scoring.dnsmos(x, ESPEAK_RATE)
    models.append((emb, time.process_time() - t - emb))
print(json.dumps({"import_cpu": import_cpu, "first_cpu": first_cpu, "per_take": per_take, "models": models,
                  "models_mb": (rss1 - rss0) / 1024}))
"""


def measure() -> dict:
    out = subprocess.run(
        [PY, "-c", PROBE], cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=600, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run() -> list[Figure]:
    m = measure()
    both = median([e + d for e, d in m["models"]])
    emb, dns = median([e for e, _ in m["models"]]), median([d for _, d in m["models"]])
    per = median(m["per_take"])
    return [
        Figure(
            "arena: similarity + DNSMOS of a 10 s take (CPU)",
            f"{both:.2f} s",
            f"≤ {TARGET_CPU_S} s",
            both <= TARGET_CPU_S,
            f"median of {len(m['models'])} takes (22.05 kHz espeak speech): speaker "
            f"embedding {emb:.2f} s, DNSMOS {dns:.2f} s",
        ),
        Figure(
            "arena: whole score_take of a 10 s take (CPU)",
            f"{per:.2f} s",
            "reported",
            None,
            "the same takes with decoding, resampling and loudness too; the reference measured once",
        ),
        Figure(
            "arena scoring first use (CPU)",
            f"{m['first_cpu']:.2f} s",
            "reported",
            None,
            f"loads GE2E + DNSMOS and measures a 12 s reference; import {m['import_cpu']:.2f} s, "
            f"models + first run +{m['models_mb']:.0f} MB RSS",
        ),
    ]


def main() -> int:
    for f in run():
        print(f"{f.name}: {f.value} (target {f.target}) — {f.detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
