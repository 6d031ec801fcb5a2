"""Side-by-side benchmarks: the SDK against raw aiohttp and the official TypeScript SDK.

Run ``python -m benchmarks`` (``--quick`` for a smoke run, ``--only 1,3`` or ``--only page`` for a
selection, ``--help`` for the rest). A local ``aiohttp.web`` server in its own process serves
pre-serialized bodies on 127.0.0.1; every contender runs in a process of its own; contenders
alternate within each round, and every target is judged on the median of per-round ratios.

Modules: ``_harness`` (configuration, processes, rounds), ``_probe`` (CPU, loop stall, peak RSS),
``_worker`` (the SDK's and raw aiohttp's long-lived processes), ``_unary``, ``_logs``, ``_micro``,
``_upload``, ``_pack``, ``_imports`` and ``_node`` (the scenarios' contenders), ``_scenarios``
(who runs in which round), ``_checks`` (targets), ``_report`` (the printed report).
"""
