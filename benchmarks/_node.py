"""The official TypeScript SDK as a contender: install it on demand and run ``node/bench.mjs``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).with_name("node")
_SDK = NODE_DIR / "node_modules" / "@hathora" / "cloud-sdk-typescript" / "package.json"


def ensure_installed() -> str | None:
    """Install the pinned TS SDK if it is missing; return why it is unavailable, or ``None``."""
    if shutil.which("node") is None:
        return "node is not installed"
    if _SDK.exists():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    try:
        subprocess.run(
            [npm, "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=180,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"npm install failed: {exc}"
    return None if _SDK.exists() else "npm install did not install the SDK"


def versions() -> str:
    """Return "Node vX, @hathora/cloud-sdk-typescript Y" (what is installed), or why not."""
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
        sdk = json.loads(_SDK.read_text())["version"]
    except (OSError, ValueError, KeyError, subprocess.SubprocessError):
        return "Node or the TS SDK unavailable"
    return f"Node {done.stdout.strip()}, @hathora/cloud-sdk-typescript {sdk}"


def run(scenario: str, url: str, calls: int, concurrency: int = 1) -> dict[str, float]:
    """Run one scenario of ``bench.mjs`` in a fresh Node process and return its measurements."""
    done = subprocess.run(
        ["node", str(NODE_DIR / "bench.mjs"), scenario, url, str(calls), str(concurrency)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        detail = " ".join(done.stderr.split())[-300:]
        raise RuntimeError(f"node bench.mjs {scenario} failed: {detail}")
    result: dict[str, float] = json.loads(done.stdout)
    return result
