"""Side-by-side benchmarks: the SDK against raw aiohttp and the official TypeScript SDK.

Run ``python -m benchmarks`` (``--quick`` for a smoke run, ``--only N`` for one scenario). A local
``aiohttp.web`` server in its own process serves pre-serialized bodies on 127.0.0.1; every contender
talks to the same server, contenders alternate, and the table reports medians of several rounds.
"""
