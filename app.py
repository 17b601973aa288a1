"""Voice Clone Playground: `python app.py`, then open http://127.0.0.1:7860."""

import gc
import os
import signal

from playground.config import load_env
from playground.memory import tune_malloc


def main() -> None:
    tune_malloc()  # flat memory under load on glibc (see playground/memory.py)
    # Start-up creates ~340,000 objects (Gradio, the UI, the API schema) that live as long as the
    # server. Letting the cyclic GC scan them over and over while they are being made costs ~0.5 s
    # of a ~2.7 s start (bench/startup.py); afterwards they are frozen so that later collections,
    # which run while requests are served, skip them too (a full pass drops from ~0.1 s to ~0).
    # One collection before freezing clears the start-up garbage, so none of it is frozen. It takes
    # ~0.2 s (~370,000 objects), so it runs once the server is up rather than in front of launch().
    gc.disable()
    try:
        load_env()
        os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
        from playground.sandbox.control import SandboxState
        from playground.sandbox.server import SandboxServer
        from playground.ui.layout import after_launch, build_app, launch_kwargs

        # no request log: nothing kept; its voice calibration warms once the app is up (after_launch)
        SandboxServer(SandboxState(keep_log=False), warm=False).start().register()
        demo = build_app()
        demo.launch(
            server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
            server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
            prevent_thread_lock=True,
            **launch_kwargs(),
        )
        after_launch(demo)  # nothing of start-up's config kept; longer keep-alive (ui/layout.py)
        gc.collect()
    finally:
        gc.freeze()
        gc.enable()
    # `docker stop`, a Space restart and the benchmarks send SIGTERM: treat it as Ctrl+C, so the
    # server closes and the exit handlers run (playground/downloads.py removes its folder).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    demo.block_thread()  # what launch() does by default: serve until Ctrl+C


if __name__ == "__main__":
    main()
