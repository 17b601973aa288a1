"""Strict simulators of the providers' APIs, served by uvicorn on 127.0.0.1.

`python -m playground.sandbox --port 9100` runs them as a separate server.
"""
