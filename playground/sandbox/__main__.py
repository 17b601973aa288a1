"""`python -m playground.sandbox [--port 9100]`: the simulators as a separate server."""

import argparse
import os

import uvicorn

from playground.sandbox.app import SIMULATORS, create_app

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=9100)
args = parser.parse_args()
for provider_id, (prefix, _) in SIMULATORS.items():
    print(f"{provider_id}: http://{args.host}:{args.port}{prefix}")
from playground.config import KEEP_ALIVE_S  # noqa: E402
from playground.sandbox.control import SandboxState  # noqa: E402

# The /_sandbox control routes answer only to this token (bench/ passes one in the environment).
token = os.environ.get("PLAYGROUND_SANDBOX_CONTROL_TOKEN", "").strip()
state = SandboxState(control_token=token) if token else SandboxState()
# the same keep-alive as the in-process sandbox (config.py says why it is longer than uvicorn's 5 s)
uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S)
