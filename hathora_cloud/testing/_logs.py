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
    """The log a run will emit and how it ends."""

    lines: tuple[str, ...]
    """Log lines, each ending in ``"\\n"`` (or ``"\\r"`` for progress updates)."""
    succeeded: bool
    """Whether the build ends ``succeeded`` (else ``failed``)."""
    image_size: int = 0
    """``imageSize`` to report on success."""


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


def pull_lines(image: str, rng: random.Random) -> list[str]:
    """Return ``docker pull`` style lines for ``image`` (with ``\\r`` progress updates)."""
    name, tag = image.split("@")[0], "latest"
    if "@" not in image and ":" in image.rsplit("/", 1)[-1]:
        name, tag = image.rsplit(":", 1)
    lines = [f"{tag}: Pulling from {name if '/' in name else 'library/' + name}\n"]
    layers = [_hex(rng) for _ in range(rng.randint(2, 4))]
    lines.extend(f"{layer}: Pulling fs layer\n" for layer in layers)
    for layer in layers:
        total = rng.randint(2_000_000, 40_000_000)
        for fraction in (0.25, 0.5, 1.0):
            done = _human_size(total * fraction)
            bar = "=" * int(49 * fraction) + ">"
            lines.append(f"{layer}: Downloading [{bar:<50}]  {done}/{_human_size(total)}\r")
        lines.append(f"{layer}: Pull complete\n")
    lines.append(f"Digest: sha256:{_hex(rng, 64)}\n")
    lines.append(f"Status: Downloaded newer image for {image}\n")
    return lines


def _step_lines(keyword: str, args: str, rng: random.Random) -> tuple[list[str], int | None]:
    """Return one step's lines after its header, and the exit code if the step fails."""
    if keyword == "FROM":
        image = args.split()[0] if args else "scratch"
        return [*pull_lines(image, rng), f" ---> {_hex(rng)}\n"], None
    if keyword in _NO_CONTAINER:
        return [f" ---> {_hex(rng)}\n"], None
    container = _hex(rng)
    lines = [f" ---> Running in {container}\n"]
    failing = _FAILING_RUN.fullmatch(args) if keyword == "RUN" else None
    code = None if failing is None else int(failing.group(1) or "1")
    if code:
        lines.append(f"The command '/bin/sh -c {args}' returned a non-zero code: {code}\n")
        return lines, code
    if keyword == "RUN" and args.startswith("echo "):
        lines.append(args.removeprefix("echo ").strip("'\"") + "\n")
    lines += [f"Removing intermediate container {container}\n", f" ---> {_hex(rng)}\n"]
    return lines, None


def docker_build_plan(
    dockerfile: str, context_size: int, rng: random.Random, target: str
) -> BuildPlan:
    """Return the ``docker build`` transcript for ``dockerfile``.

    Args:
        dockerfile: The Dockerfile's text.
        context_size: Size of the uploaded archive, shown as the build context size.
        rng: Source of the fake ids (seed it for stable output).
        target: The image name printed by ``Successfully tagged``.
    """
    parsed = parse_dockerfile(dockerfile)
    if isinstance(parsed, str):
        return failed_plan(f"Error response from daemon: {parsed}")
    half = _human_size(context_size / 2)
    lines = [
        f"Sending build context to Docker daemon  {half}\r",
        f"Sending build context to Docker daemon  {_human_size(context_size)}\n",
    ]
    for index, (keyword, args) in enumerate(parsed, start=1):
        lines.append(f"Step {index}/{len(parsed)} : {keyword} {args}".rstrip() + "\n")
        step, code = _step_lines(keyword, args, rng)
        lines.extend(step)
        if code:
            return BuildPlan(tuple(lines), succeeded=False)
    lines += [f"Successfully built {_hex(rng)}\n", f"Successfully tagged {target}\n"]
    size = rng.randint(40_000_000, 400_000_000) + context_size
    return BuildPlan(tuple(lines), succeeded=True, image_size=size)


def registry_plan(
    image: str, registry_url: str | None, rng: random.Random, target: str
) -> BuildPlan:
    """Return the transcript of pulling ``image`` and pushing it as ``target``.

    An image reference containing ``fail`` (case-insensitive) fails like a denied pull.
    """
    reference = f"{registry_url.rstrip('/')}/{image}" if registry_url else image
    lines = [f"Pulling image {reference}\n"]
    if "fail" in reference.lower():
        repo = reference.split(":")[0]
        lines.append(
            f"Error response from daemon: pull access denied for {repo}, repository does not"
            " exist or may require 'docker login': denied: requested access to the resource"
            " is denied\n"
        )
        return BuildPlan(tuple(lines), succeeded=False)
    lines += pull_lines(reference, rng)
    lines += [f"Tagging {reference} as {target}\n", f"Pushing {target}\n"]
    lines += [f"{_hex(rng)}: Pushed\n", f"latest: digest: sha256:{_hex(rng, 64)} size: 1786\n"]
    return BuildPlan(tuple(lines), succeeded=True, image_size=rng.randint(40_000_000, 400_000_000))
