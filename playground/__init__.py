"""Voice Clone Playground: clone a voice and hear it across providers.

Importing this package has no side effects: no network, no key reads, no threads.
"""
