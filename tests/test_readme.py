"""Every Python example in README.md runs as written, and the first screen's shell lines parse.

The first line of each ```python block says what the block is, so a reader knows what to paste:

- **a program** starts with its imports and ends with ``asyncio.run(main())``. It runs in a child
  process from the repository root with ``HATHORA_TOKEN`` and ``HATHORA_CLOUD_ENDPOINT`` set to
  one FakeHathora that every program of this module shares; it must exit 0 with an empty stderr.
- **a test module** starts with its imports and imports ``pytest``. It runs under pytest in a
  child process (a project of its own, not ours), from the repository root.
- ``# continuing the example above`` joins the block to the one above; the joined text runs as
  that one would.
- ``# (fragment: what it shows)`` marks a sketch, for example a constructor's keywords. It is
  compiled (top-level ``await`` allowed) and every call of a public ``hathora_cloud`` name in it
  is bound against that name's signature, so a renamed keyword fails too.

Any other ```python block fails, and so does Python under another fence tag (```py, ```pycon).
The text handed to Python keeps README's line numbers (blank lines replace the prose), so a
traceback or a ``SyntaxError`` points at the line to fix in README.md.
"""

from __future__ import annotations

import ast
import inspect
import io
import os
import re
import shlex
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

import hathora_cloud
from hathora_cloud import errors, funcs, models, retries, testing
from hathora_cloud.testing import FakeHathora
from tests._cli import background_fake, cli_env

_ROOT = Path(__file__).resolve().parent.parent
_README = _ROOT / "README.md"
_CONTINUATION = "# continuing the example above"
_FRAGMENT = re.compile(r"# \(fragment: .+\)")
_PROGRAM_END = "asyncio.run(main())"
_OTHER_PYTHON_TAGS = frozenset({"py", "py3", "python3", "pycon", "ipython", "pyi"})
_FENCE = re.compile(r"^(\s*)```\s*([\w+-]*)")
_UNMARKED = (
    "the first line must be an import (a program or a test module), "
    f"{_CONTINUATION!r}, or '# (fragment: what it shows)'"
)
_CHILD_TIMEOUT = 120  # seconds; a hang guard, not a speed check
_USER_PYTEST_OPTIONS = (
    "-p",
    "anyio.pytest_plugin",
    "-p",
    "no:cacheprovider",
    "-W",
    "error::ResourceWarning",
)


@attrs.frozen
class Block:
    """One fenced code block of a Markdown text."""

    tag: str
    """The fence's language tag (``python``, ``bash``, ``""``)."""
    line: int
    """README line number of the block's first code line."""
    source: str
    """The code between the fences."""

    @property
    def first_line(self) -> str:
        """The block's first line, which carries its marker."""
        return self.source.split("\n", 1)[0]


@attrs.frozen
class Example:
    """A head block with its continuations, classified by the head's first line."""

    kind: str
    """``program``, ``test module``, ``fragment``, or ``invalid`` (``problem`` says why)."""
    blocks: tuple[Block, ...]
    problem: str = ""

    @property
    def line(self) -> int:
        """README line number of the head block's first line."""
        return self.blocks[0].line

    def where(self) -> str:
        """Name the example the way a failure message should: line and first line."""
        return f"README.md line {self.line} ({self.blocks[0].first_line!r})"

    def text(self) -> str:
        """Return the joined blocks, each at its README line number."""
        lines: list[str] = []
        for block in self.blocks:
            lines.extend([""] * (block.line - 1 - len(lines)))
            lines.extend(block.source.rstrip("\n").split("\n"))
        return "\n".join(lines) + "\n"


def fenced_blocks(markdown: str) -> list[Block]:
    """Return every fenced code block of ``markdown``, in order (indented ones in lists too)."""
    blocks: list[Block] = []
    opened: tuple[str, str, int] | None = None  # indent, tag, line of the first code line
    body: list[str] = []
    for number, line in enumerate(markdown.split("\n"), start=1):
        fence = _FENCE.match(line)
        if fence is None:
            if opened is not None:
                body.append(line.removeprefix(opened[0]))
        elif opened is None:
            opened, body = (fence.group(1), fence.group(2), number + 1), []
        else:
            blocks.append(Block(opened[1], opened[2], "\n".join(body) + "\n"))
            opened = None
    assert opened is None, f"README.md line {opened[2] - 1}: a code fence is never closed"
    return blocks


def _classify(blocks: tuple[Block, ...]) -> Example:
    """Classify an example by its first line (and, for a program, by its last)."""
    first = blocks[0].first_line
    if _FRAGMENT.fullmatch(first):
        return Example("fragment", blocks)
    if not first.startswith(("import ", "from ")):
        return Example("invalid", blocks, _UNMARKED)
    try:
        tree = ast.parse(blocks[0].source)
    except SyntaxError as error:
        return Example("invalid", blocks, f"not valid Python: {error}")
    imported = {
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)}
    if "pytest" in imported:
        return Example("test module", blocks)
    if blocks[-1].source.rstrip().rsplit("\n", 1)[-1] != _PROGRAM_END:
        return Example("invalid", blocks, f"a program must end with {_PROGRAM_END!r}")
    return Example("program", blocks)


def python_examples(markdown: str) -> list[Example]:
    """Group the Python blocks of ``markdown`` into examples: heads with their continuations."""
    groups: list[tuple[Block, ...]] = []
    examples: list[Example] = []
    for block in fenced_blocks(markdown):
        if block.tag in _OTHER_PYTHON_TAGS:
            problem = f"tag the fence ```python, not ```{block.tag}"
            examples.append(Example("invalid", (block,), problem))
        elif block.tag != "python":
            continue
        elif not block.first_line.startswith(_CONTINUATION):
            groups.append((block,))
        elif groups:
            groups[-1] = (*groups[-1], block)
        else:
            examples.append(Example("invalid", (block,), "it continues no example above it"))
    examples.extend(_classify(group) for group in groups)
    return sorted(examples, key=lambda example: example.line)


def _public_names() -> dict[str, Callable[..., object]]:
    """Return every public callable a README example may use, by its name."""
    names: dict[str, Callable[..., object]] = {}
    for module in (hathora_cloud, errors, funcs, models, retries, testing):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value):
                names[name] = value
    return names


def fragment_problems(example: Example) -> list[str]:
    """Compile a fragment and bind its calls of public names; return what does not fit."""
    text = example.text()
    try:
        compile(text, "README.md", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError as error:
        return [f"README.md line {error.lineno}: {error.msg}"]
    public, problems = _public_names(), []
    for call in ast.walk(ast.parse(text)):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
            continue
        target = public.get(call.func.id)
        unpacked = any(isinstance(arg, ast.Starred) for arg in call.args)
        if target is None or unpacked or any(kw.arg is None for kw in call.keywords):
            continue
        try:
            inspect.signature(target).bind(
                *[None] * len(call.args), **{kw.arg: None for kw in call.keywords if kw.arg}
            )
        except TypeError as error:
            problems.append(f"README.md line {call.lineno}: {call.func.id}(...): {error}")
    return problems


_EXAMPLES = python_examples(_README.read_text(encoding="utf-8"))


@attrs.frozen
class Run:
    """The outcome of one example run in a child process."""

    returncode: int
    stdout: str
    stderr: str
    new_builds: frozenset[str]
    """Ids of the builds the shared emulator gained during the run."""


class Runner:
    """Runs examples in child processes against one shared emulator, each example once."""

    def __init__(self, fake: FakeHathora, directory: Path) -> None:
        """Use ``fake`` for every program; write the examples' files under ``directory``."""
        self.fake = fake
        self._directory = directory
        self._runs: dict[int, Run] = {}
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("HATHORA_")}
        self._env.update(HATHORA_TOKEN=fake.token, HATHORA_CLOUD_ENDPOINT=fake.url)
        (directory / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")

    def run(self, example: Example) -> Run:
        """Run a program or a test module (once; later calls return the first run)."""
        if example.line not in self._runs:
            self._runs[example.line] = self._run(example)
        return self._runs[example.line]

    def _run(self, example: Example) -> Run:
        # Named after the README line: a traceback then reads "readme_line_14.py", line 20.
        script = self._directory / f"readme_line_{example.line}.py"
        env = self._env
        if example.kind == "test module":
            script = script.with_name(f"test_{script.name}")
            command = ["-m", "pytest", "-q", *_USER_PYTEST_OPTIONS]
            # As in a user's project: only the plugin the SDK brings (not our hypothesis, 1.4 s).
            env = {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        else:
            command = ["-W", "default::ResourceWarning"]
        script.write_text(example.text(), encoding="utf-8")
        before = set(self.fake.builds)
        done = subprocess.run(
            [sys.executable, *command, str(script)],
            cwd=_ROOT,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=_CHILD_TIMEOUT,
            check=False,
        )
        new_builds = frozenset(set(self.fake.builds) - before)
        return Run(done.returncode, done.stdout, done.stderr, new_builds)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runner]:
    """One emulator on a background loop for every example of this module."""
    with background_fake() as fake:
        yield Runner(fake, tmp_path_factory.mktemp("readme"))


def _failure(example: Example, run: Run) -> str:
    return (
        f"{example.where()} exited {run.returncode} or wrote to stderr; line numbers below are "
        f"README.md's.\n--- stdout (end)\n{run.stdout[-3000:]}\n"
        f"--- stderr (end)\n{run.stderr[-3000:]}"
    )


@pytest.mark.parametrize("example", _EXAMPLES, ids=lambda example: f"line-{example.line}")
def test_readme_python_example(example: Example, runner: Runner) -> None:
    """Each README Python example is marked, and runs (or, a fragment, compiles and binds)."""
    if example.kind == "invalid":
        pytest.fail(f"{example.where()}: {example.problem}")
    if example.kind == "fragment":
        problems = fragment_problems(example)
        assert not problems, f"{example.where()}:\n" + "\n".join(problems)
        return
    run = runner.run(example)
    clean = run.returncode == 0 and (example.kind == "test module" or not run.stderr)
    assert clean, _failure(example, run)


def test_quick_start_deploys_the_example_server(runner: Runner) -> None:
    """README's first Python block deploys examples/game-server and prints the build's id."""
    quick_start = _EXAMPLES[0]
    assert quick_start.kind == "program", f"{quick_start.where()} is not a complete program"
    run = runner.run(quick_start)
    assert run.returncode == 0, _failure(quick_start, run)
    assert len(run.new_builds) == 1, f"expected one new build, got {sorted(run.new_builds)}"
    (build_id,) = run.new_builds
    assert runner.fake.builds[build_id].status == "succeeded"
    assert build_id in run.stdout
    with tarfile.open(fileobj=io.BytesIO(runner.fake.uploaded_bytes(build_id))) as tar:
        uploaded = {name.removeprefix("./") for name in tar.getnames()} - {"", "."}
    game_server = _ROOT / "examples" / "game-server"
    assert "Dockerfile" in uploaded
    assert all((game_server / name).exists() for name in uploaded), sorted(uploaded)


def _first_screen(markdown: str) -> str:
    return markdown.split("\n## ", 1)[0]


def test_first_screen_shell_commands_parse() -> None:
    """The set-up commands on README's first screen are valid bash naming things that exist."""
    markdown = _README.read_text(encoding="utf-8")
    shell = [b for b in fenced_blocks(_first_screen(markdown)) if b.tag in ("bash", "sh", "shell")]
    assert shell, "README's first screen has no bash block with the set-up commands"
    pyproject = (_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extras = pyproject.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
    for block in shell:
        done = subprocess.run(
            ["bash", "-n"], input=block.source, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"README.md line {block.line}: {done.stderr}"
        for path in re.findall(r"(?<![\w./-])((?:examples|\.ci)/[\w./-]+)", block.source):
            assert (_ROOT / path).exists(), f"README.md line {block.line}: no {path} in the repo"
        for group in re.findall(r"\.\[([\w,-]+)\]", block.source):
            for extra in group.split(","):
                assert re.search(rf"^{extra}\s*=", extras, re.M), f"no extra {extra!r}"


def test_first_screen_command_deploys_the_example_on_the_emulator() -> None:
    """The first screen's first command, as written after its install steps, deploys the example.

    It runs in a child process from the repository root (the embedded emulator made instant), exits
    0 and prints a deployment whose build succeeded.
    """
    markdown = _README.read_text(encoding="utf-8")
    shell = [b for b in fenced_blocks(_first_screen(markdown)) if b.tag in ("bash", "sh", "shell")]
    first = next(line for line in shell[0].source.splitlines() if line and line[0] != "#")
    program, *args = shlex.split(first.rsplit(" && ", 1)[1])
    assert program == ".venv/bin/hathora-cloud", first
    done = subprocess.run(
        [sys.executable, "-m", "hathora_cloud.cli", *args],
        cwd=_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=_CHILD_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"^Deployment ID\s+dep-\S+", done.stdout, re.M), done.stdout
    assert re.search(r"^Build status\s+succeeded\s*$", done.stdout, re.M), done.stdout
    built = re.search(r"^Build (bld-\S+) succeeded; creating the deployment in ", done.stderr, re.M)
    assert built is not None, done.stderr
    assert re.search(rf"^Build ID\s+{built[1]}\s*$", done.stdout, re.M)


_SAMPLE = """\
Intro.

```python
import asyncio

async def main() -> None:
    print("one")
```
Prose between.
```python
# continuing the example above
asyncio.run(main())
```
Unrelated code:
```
# continuing the example above
```
"""


def test_a_continuation_joins_the_block_above_at_its_readme_lines() -> None:
    """A continuation block joins the example above, each line at its README line number."""
    (example,) = python_examples(_SAMPLE)
    assert example.kind == "program"
    assert [block.line for block in example.blocks] == [4, 11]
    text = example.text().split("\n")
    assert text[3] == "import asyncio"
    assert text[7:10] == ["", "", ""]
    assert text[11] == "asyncio.run(main())"


@pytest.mark.parametrize(
    ("markdown", "problem"),
    [
        ('```python\nprint("hi")\n```\n', "the first line must be an import"),
        ("```python\nimport asyncio\nprint(1)\n```\n", "must end with 'asyncio.run(main())'"),
        (f"```python\n{_CONTINUATION}\nx = 1\n```\n", "continues no example"),
        ("```py\nimport asyncio\n```\n", "tag the fence ```python"),
        ("```python\nimport asyncio\nasyncio.run(main()\n```\n", "not valid Python"),
        ('- a list item:\n\n  ```python\n  print("hi")\n  ```\n', "must be an import"),
    ],
)
def test_an_unmarked_or_broken_block_is_refused(markdown: str, problem: str) -> None:
    """A Python block without a recognised marker, or under another tag, is an invalid example."""
    (example,) = python_examples(markdown)
    assert example.kind == "invalid"
    assert problem in example.problem


def test_a_fragment_with_a_renamed_keyword_or_bad_syntax_fails() -> None:
    """A fragment is compiled and its calls of public names are bound to their signatures."""
    renamed = "```python\n# (fragment: the core)\ncore = HathoraCloudCore(token='x')\n```\n"
    (example,) = python_examples(renamed)
    assert example.kind == "fragment"
    assert any("line 3: HathoraCloudCore(...)" in p for p in fragment_problems(example))
    broken = "```python\n# (fragment: the core)\ncore = HathoraCloudCore(\n```\n"
    assert fragment_problems(python_examples(broken)[0])[0].startswith("README.md line")
    fine = "```python\n# (fragment: a stream)\nasync with core:\n    await x\n```\n"
    assert fragment_problems(python_examples(fine)[0]) == []
