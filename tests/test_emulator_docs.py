"""docs/emulator.md stays true: its knobs, options, helpers, operation ids and specs exist."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from hathora_cloud.testing import FakeHathora, parse_fault_spec
from hathora_cloud.testing.__main__ import build_parser
from hathora_cloud.testing._faults import OPERATIONS

DOC = (Path(__file__).parent.parent / "docs" / "emulator.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _first_column(section: str) -> list[str]:
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [row.split("|")[1].strip() for row in rows]


def test_knob_table_lists_exactly_the_constructor_parameters() -> None:
    """Every constructor knob is in the table, and the table names no other."""
    documented = set()
    for cell in _first_column(_section("Constructor knobs")):
        documented |= set(re.findall(r"`([a-z_]+)`", cell))
    parameters = set(inspect.signature(FakeHathora.__init__).parameters) - {"self"}
    assert documented == parameters


def test_option_table_matches_the_parser() -> None:
    """Every option the table names is accepted by python -m hathora_cloud.testing."""
    documented = set(re.findall(r"`(--[a-z-]+)", _section("Command line")))
    parser_options = {
        option for action in build_parser()._actions for option in action.option_strings
    }
    assert documented - parser_options == set()
    assert parser_options - documented == {"-h", "--help"}


def test_inspection_helpers_exist() -> None:
    """Each helper in the inspection table is an attribute of FakeHathora."""
    names = set()
    for cell in _first_column(_section("Inspection and seeding")):
        names |= set(re.findall(r"`fake\.([a-z_]+)", cell))
    assert names
    assert all(hasattr(FakeHathora, name) for name in names), names


def test_operation_ids_are_the_fault_targets() -> None:
    """The operation ids the doc lists are exactly those a fault rule accepts."""
    listed = _section("Inspection and seeding").split("Operation ids", 1)[1]
    ids = set(re.findall(r"`([A-Z][A-Za-z]+)`", listed)) - {"Unknown"}
    assert ids == OPERATIONS


def test_fault_spec_examples_parse() -> None:
    """Every example fault spec in the doc parses into a rule."""
    examples = re.findall(r"`([A-Za-z*]+:[^`]+)`", _section("Fault injection"))
    assert len(examples) >= 8
    for spec in examples:
        assert parse_fault_spec(spec).operation in OPERATIONS | {"*"}
