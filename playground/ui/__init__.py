"""The Gradio Blocks interface: one tab per provider. The only package that imports gradio."""
