"""About & API: what the playground is, and the three doors for code (the OpenAI-compatible API,
gradio_client endpoints, MCP tools). The MCP tools are registered here (gr.api: no components)."""

from __future__ import annotations

import gradio as gr

from playground.ui import mcp_tools

ABOUT = """### About this playground
Record or upload a voice sample, clone it with a cloud provider, and hear text spoken in that voice,
across providers side by side. A provider without an API key runs in **sandbox** mode against a built-in
simulator of its API (synthetic speech, nothing billed); each provider page says which mode it is in.

### Use it from code
Three doors into the same app, on the same address:

- **OpenAI-compatible speech API**: point the official `openai` SDK's base URL at this app's `/v1`.
  A model is `provider/model` (`GET /v1/models`), a voice is a voice of your library or a system voice
  (`GET /v1/audio/voices?model=...`).
- **Gradio endpoints** (`gradio_client`): every form is a named endpoint; the list is under
  *Use via API* at the bottom of each page.
- **MCP tools** for agents: `list_voices`, `speak`, `clone_voice`, `compare_voices`, `arena_score`.
"""

EXAMPLE = """from openai import OpenAI

client = OpenAI(base_url="http://127.0.0.1:7860/v1", api_key="unused-locally")
audio = client.audio.speech.create(
    model="siliconflow/FunAudioLLM/CosyVoice2-0.5B",
    voice="alex",
    input="Hello from the playground.",
    response_format="mp3",
)
audio.write_to_file("hello.mp3")
"""


def build() -> None:
    gr.Markdown(ABOUT, elem_id="about-text")
    gr.Code(EXAMPLE, language="python", label="Python (openai SDK)", interactive=False, elem_id="about-example")
    mcp_tools.build_mcp_tools()  # list_voices, speak, clone_voice, compare_voices, arena_score (ui/mcp_tools.py)
