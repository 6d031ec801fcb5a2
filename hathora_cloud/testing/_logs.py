"""Realistic build logs: a legacy ``docker build`` transcript derived from a Dockerfile,
and a registry pull transcript for registry builds."""

from __future__ import annotations

import random
import re

import attrs

_KNOWN = frozenset(
    {
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    }
)
_NO_CONTAINER = frozenset({"COPY", "ADD", "ARG"})
# `RUN false` and `RUN exit <n>` (n != 0), shell form, are the documented failing steps.
_FAILING_RUN = re.compile(r"(?:false|exit\s+([0-9]+))\s*;?")


@attrs.frozen
class BuildPlan:
    """The log a run will emit, how long each line takes, and how the run ends."""

    lines: tuple[str, ...]
    """Log lines, each ending in ``"\\n"`` (or ``"\\r"`` for progress updates)."""
    succeeded: bool
    """Whether the build ends ``succeeded`` (else ``failed``)."""
    image_size: int = 0
    """``imageSize`` to report on success."""
    weights: tuple[float, ...] = ()
    """Each line's share of the build's duration, spent before the line appears (pulls and
    ``RUN`` steps weigh most). Empty means equal shares."""

    def delays(self, duration: float) -> list[float]:
        """Split ``duration`` seconds over the lines by weight."""
        weights = self.weights if len(self.weights) == len(self.lines) else (1.0,) * len(self.lines)
        total = sum(weights)
        return [duration * weight / total if total else 0.0 for weight in weights]


class _Transcript:
    """Lines and their weights, built together."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.weights: list[float] = []

    def add(self, line: str, weight: float = 0.2) -> None:
        self.lines.append(line)
        self.weights.append(weight)

    def extend(self, other: _Transcript) -> None:
        self.lines += other.lines
        self.weights += other.weights

    def plan(self, succeeded: bool, image_size: int = 0) -> BuildPlan:
        return BuildPlan(tuple(self.lines), succeeded, image_size, tuple(self.weights))


def failed_plan(*messages: str) -> BuildPlan:
    """Return a plan that prints ``messages`` and fails."""
    return BuildPlan(tuple(f"{message}\n" for message in messages), succeeded=False)


def _hex(rng: random.Random, length: int = 12) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def _human_size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.3g}{unit}" if unit != "B" else f"{int(size)}B"
        size /= 1000
    raise AssertionError("unreachable")


def _bar(fraction: float) -> str:
    return f"[{'=' * int(49 * fraction) + '>':<50}]"


def parse_dockerfile(text: str) -> list[tuple[str, str]] | str:
    """Split a Dockerfile into ``(INSTRUCTION, arguments)`` pairs.

    Returns:
        The instructions, or an error message in Docker's wording.
    """
    instructions: list[tuple[str, str]] = []
    pending = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        words = (pending + line).split(None, 1)
        pending = ""
        keyword = words[0].upper()
        if keyword not in _KNOWN:
            return f"dockerfile parse error line {number}: unknown instruction: {words[0]}"
        instructions.append((keyword, words[1].strip() if len(words) > 1 else ""))
    if not instructions:
        return "the Dockerfile (Dockerfile) cannot be empty"
    if next((kw for kw, _ in instructions if kw != "ARG"), None) != "FROM":
        return "no build stage in current context"
    return instructions


def pull_lines(image: str, rng: random.Random, *, detailed: bool = False) -> _Transcript:
    """Return ``docker pull`` style lines for ``image`` (with ``\\r`` progress updates).

    ``detailed`` adds what a real pull prints between (more download steps, checksum
    verification, extraction progress).
    """
    name, tag = image.split("@")[0], "latest"
    if "@" not in image and ":" in image.rsplit("/", 1)[-1]:
        name, tag = image.rsplit(":", 1)
    out = _Transcript()
    out.add(f"{tag}: Pulling from {name if '/' in name else 'library/' + name}\n", 1.0)
    layers = [_hex(rng) for _ in range(rng.randint(2, 4))]
    for layer in layers:
        out.add(f"{layer}: Pulling fs layer\n", 0.1)
    steps = (0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0) if detailed else (0.25, 0.5, 1.0)
    for layer in layers:
        total = rng.randint(2_000_000, 40_000_000)
        for fraction in steps:
            done = f"{_human_size(total * fraction)}/{_human_size(total)}"
            out.add(f"{layer}: Downloading {_bar(fraction)}  {done}\r", 1.0)
        if detailed:
            out.add(f"{layer}: Verifying Checksum\n", 0.2)
            out.add(f"{layer}: Download complete\n", 0.1)
            for fraction in (0.3, 0.7, 1.0):
                done = f"{_human_size(total * fraction)}/{_human_size(total)}"
                out.add(f"{layer}: Extracting {_bar(fraction)}  {done}\r", 0.6)
        out.add(f"{layer}: Pull complete\n", 0.3)
    out.add(f"Digest: sha256:{_hex(rng, 64)}\n")
    out.add(f"Status: Downloaded newer image for {image}\n")
    return out


def push_lines(target: str, rng: random.Random) -> _Transcript:
    """Return ``docker push`` style lines for ``target`` (what a real build ends with)."""
    out = _Transcript()
    out.add(f"The push refers to repository [{target.rsplit(':', 1)[0]}]\n", 0.5)
    layers = [_hex(rng) for _ in range(rng.randint(2, 3))]
    for layer in layers:
        out.add(f"{layer}: Preparing\n", 0.1)
    for layer in layers:
        for fraction in (0.3, 0.8):
            out.add(f"{layer}: Pushing {_bar(fraction)}\r", 0.8)
        out.add(f"{layer}: Pushed\n", 0.3)
    out.add(f"latest: digest: sha256:{_hex(rng, 64)} size: {rng.randint(900, 2500)}\n", 0.5)
    return out


def _step_lines(
    keyword: str, args: str, rng: random.Random, detailed: bool
) -> tuple[_Transcript, int | None]:
    """Return one step's lines after its header, and the exit code if the step fails."""
    out = _Transcript()
    if keyword == "FROM":
        out.extend(pull_lines(args.split()[0] if args else "scratch", rng, detailed=detailed))
        out.add(f" ---> {_hex(rng)}\n")
        return out, None
    if keyword in _NO_CONTAINER:
        out.add(f" ---> {_hex(rng)}\n", 1.0)
        return out, None
    container = _hex(rng)
    is_run = keyword == "RUN"
    out.add(f" ---> Running in {container}\n", 0.5 if is_run else 0.2)
    failing = _FAILING_RUN.fullmatch(args) if is_run else None
    code = None if failing is None else int(failing.group(1) or "1")
    if code:
        out.add(f"The command '/bin/sh -c {args}' returned a non-zero code: {code}\n", 3.0)
        return out, code
    if is_run and args.startswith("echo "):
        out.add(args.removeprefix("echo ").strip("'\"") + "\n", 1.5)
    out.add(f"Removing intermediate container {container}\n", 2.0 if is_run else 0.2)
    out.add(f" ---> {_hex(rng)}\n")
    return out, None


def docker_build_plan(
    dockerfile: str, context_size: int, rng: random.Random, target: str, *, detailed: bool = False
) -> BuildPlan:
    """Return the ``docker build`` transcript for ``dockerfile``.

    Args:
        dockerfile: The Dockerfile's text.
        context_size: Size of the uploaded archive, shown as the build context size.
        rng: Source of the fake ids (seed it for stable output).
        target: The image name printed by ``Successfully tagged``.
        detailed: Print what a real build prints besides (full pull progress, the push).
    """
    parsed = parse_dockerfile(dockerfile)
    if isinstance(parsed, str):
        return failed_plan(f"Error response from daemon: {parsed}")
    out = _Transcript()
    out.add(f"Sending build context to Docker daemon  {_human_size(context_size / 2)}\r", 0.5)
    out.add(f"Sending build context to Docker daemon  {_human_size(context_size)}\n", 0.5)
    for index, (keyword, args) in enumerate(parsed, start=1):
        out.add(f"Step {index}/{len(parsed)} : {keyword} {args}".rstrip() + "\n")
        step, code = _step_lines(keyword, args, rng, detailed)
        out.extend(step)
        if code:
            return out.plan(succeeded=False)
    out.add(f"Successfully built {_hex(rng)}\n", 1.0)
    out.add(f"Successfully tagged {target}\n")
    if detailed:
        out.extend(push_lines(target, rng))
    return out.plan(succeeded=True, image_size=rng.randint(40_000_000, 400_000_000) + context_size)


def registry_plan(
    image: str, registry_url: str | None, rng: random.Random, target: str, *, detailed: bool = False
) -> BuildPlan:
    """Return the transcript of pulling ``image`` and pushing it as ``target``.

    An image reference containing ``fail`` (case-insensitive) fails like a denied pull.
    """
    reference = f"{registry_url.rstrip('/')}/{image}" if registry_url else image
    out = _Transcript()
    out.add(f"Pulling image {reference}\n", 0.5)
    if "fail" in reference.lower():
        repo = reference.split(":")[0]
        out.add(
            f"Error response from daemon: pull access denied for {repo}, repository does not"
            " exist or may require 'docker login': denied: requested access to the resource"
            " is denied\n",
            2.0,
        )
        return out.plan(succeeded=False)
    out.extend(pull_lines(reference, rng, detailed=detailed))
    out.add(f"Tagging {reference} as {target}\n")
    if detailed:
        out.extend(push_lines(target, rng))
    else:
        out.add(f"Pushing {target}\n", 0.5)
        out.add(f"{_hex(rng)}: Pushed\n", 1.0)
        out.add(f"latest: digest: sha256:{_hex(rng, 64)} size: 1786\n")
    return out.plan(succeeded=True, image_size=rng.randint(40_000_000, 400_000_000))
