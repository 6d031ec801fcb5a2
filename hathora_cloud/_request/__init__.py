"""The request layer: one path from an operation description to an ``Ok``/``Err``.

``prepare`` builds the request (input checks, URL, headers, timeout, retry policy), ``send`` runs
it through the retry engine and the hooks, ``classify`` judges error replies (contract §4),
``structure`` turns a JSON success into a model. Operations call :func:`send_json` or
:func:`send_stream` and nothing else.
"""

from .send import send_json as send_json
from .send import send_stream as send_stream

__all__ = ("send_json", "send_stream")
