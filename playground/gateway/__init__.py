"""The playground as an OpenAI-compatible speech API (issue 17): /v1/audio/speech, /v1/models,
/v1/audio/voices on the app's own server, plain Starlette routes outside Gradio's queue.
No Gradio here: playground/ui/layout.py mounts `routes.ROUTES`; playground/ui/mcp_tools.py
offers the same service to agents."""
