"""Node.js for the interop tests: the pinned npm tree, and a conversation with one script.

The scripts talk on stderr in lines starting ``@@``: ``@@<verb> <rest>`` asks the Python side to
act (inspect the emulator, prepare the next case...) and waits for one reply line on stdin.
Every other stderr line is a diagnostic, shown if the script fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import anyio
import pytest

INTEROP_DIR = Path(__file__).parent
SDK_PACKAGE = "@hathora/cloud-sdk-typescript"
SDK_VERSION = "2.25.6"
NPM_TIMEOUT = 600.0

Handler = Callable[[str], Awaitable[str]]
"""Answers one ``@@<verb> <rest>`` message with the line to send back."""


def _installed_version(package: str) -> str | None:
    manifest = INTEROP_DIR / "node_modules" / package / "package.json"
    try:
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode("utf-8", errors="replace")
    return output or ""


def ensure_node() -> str:
    """Return ``node``'s path with the pinned npm tree installed (fails loudly, never skips)."""
    node_bin, npm_bin = shutil.which("node"), shutil.which("npm")
    if node_bin is None or npm_bin is None:
        pytest.fail(
            f"the interop tests need Node.js and npm on PATH (node: {node_bin}, npm: {npm_bin})",
            pytrace=False,
        )
    if _installed_version(SDK_PACKAGE) == SDK_VERSION and _installed_version("zod") is not None:
        return node_bin
    command = [npm_bin, "ci", "--no-audit", "--no-fund", "--prefix", str(INTEROP_DIR)]
    try:
        done = subprocess.run(
            command,
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"`{' '.join(command)}` timed out after {NPM_TIMEOUT:.0f} s:\n"
            f"{_text(exc.stdout)}\n{_text(exc.stderr)}",
            pytrace=False,
        )
    if done.returncode != 0 or _installed_version(SDK_PACKAGE) != SDK_VERSION:
        pytest.fail(
            f"`{' '.join(command)}` failed (exit {done.returncode}):\n"
            f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}",
            pytrace=False,
        )
    return node_bin


async def converse(
    node: str, script: str, argv: list[str], handlers: Mapping[str, Handler], limit: float
) -> str:
    """Run ``script``, answering its ``@@`` messages; return its stdout (fails on a non-zero exit).

    Args:
        node: Path of ``node``.
        script: File name in ``tests/interop``.
        argv: The script's arguments.
        handlers: Verb (without ``@@``) to the coroutine answering it.
        limit: Seconds the whole conversation may take.
    """
    process = await asyncio.create_subprocess_exec(
        node,
        str(INTEROP_DIR / script),
        *argv,
        cwd=INTEROP_DIR,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={key: value for key, value in os.environ.items() if not key.startswith("HATHORA_")}
        | {"NODE_NO_WARNINGS": "1"},
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    stdin, stdout, stderr = process.stdin, process.stdout, process.stderr
    chunks: list[bytes] = []
    diagnostics: list[str] = []

    async def read_stdout() -> None:
        chunks.append(await stdout.read())

    try:
        with anyio.fail_after(limit):
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_stdout)
                async for raw in stderr:
                    line = raw.decode("utf-8", errors="replace").rstrip("\n")
                    verb, _, rest = line.removeprefix("@@").partition(" ")
                    if not line.startswith("@@") or verb not in handlers:
                        diagnostics.append(line)
                        continue
                    reply = await handlers[verb](rest)
                    stdin.write(reply.encode() + b"\n")
                    await stdin.drain()
            stdin.close()
            returncode = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = b"".join(chunks).decode("utf-8", errors="replace")
    if returncode != 0:
        pytest.fail(
            f"{script} exited {returncode}\n--- stderr\n"
            + "\n".join(diagnostics)
            + f"\n--- stdout\n{output}",
            pytrace=False,
        )
    return output
