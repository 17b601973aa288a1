"""`python -m playground.sandbox [--port 9100]`: the simulators as a separate server."""

import argparse

import uvicorn

from playground.sandbox.app import SIMULATORS, create_app

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=9100)
args = parser.parse_args()
for provider_id, (prefix, _) in SIMULATORS.items():
    print(f"{provider_id}: http://{args.host}:{args.port}{prefix}")
uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
