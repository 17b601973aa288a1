"""Voice Clone Playground: `python app.py`, then open http://127.0.0.1:7860."""

import os

from playground.config import load_env


def main() -> None:
    load_env()
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from playground.sandbox.server import SandboxServer
    from playground.ui.layout import build_app, launch_kwargs

    SandboxServer().start().register()
    build_app().launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_kwargs(),
    )


if __name__ == "__main__":
    main()
