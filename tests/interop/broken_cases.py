"""Interop rows where the answer breaks: malformed JSON, schema faults, cut bodies, drops.

These are the rows where TS 2.25.6 is known to misbehave (a raw ``SyntaxError`` or
``TypeError: terminated`` that escapes its Result type and leaves an unhandled rejection behind)
next to those where both SDKs agree (schema faults, dropped connections).
"""

from __future__ import annotations

from functools import partial

from hathora_cloud.testing import FaultRule

from .cases import ARGS, inject, seeded_build
from .harness import PYTHON_BETTER, Case, Expect

BROKEN_JSON = Expect("raw:SyntaxError", unhandled=True)
"""TS 2.25.6 on a malformed JSON body: a raw SyntaxError, and an unhandled rejection too."""
CUT_UNARY = Expect("raw:TypeError", unhandled=True)
"""TS 2.25.6 on a body cut half-way: a raw ``TypeError: terminated``, and an unhandled rejection."""
schema = FaultRule.invalid_schema


def broken_rows() -> list[Case]:
    """Every row whose answer is not a well-formed one."""
    return [
        *_malformed_rows(),
        *_schema_read_rows(),
        *_schema_write_rows(),
        *_transport_rows(),
    ]


def _malformed_rows() -> list[Case]:
    """Malformed JSON: TS throws raw errors, Python reports ResponseValidationError."""
    return [
        # bodies that are not what the schema says
        *[
            Case(
                f"{op}/malformed-json",
                op,
                BROKEN_JSON,
                relation=PYTHON_BETTER,
                py=Expect("ResponseValidationError", status),
                args=ARGS[op],
                setup=inject(
                    partial(FaultRule.malformed_json, operation=op[0].upper() + op[1:], times=1)
                ),
                note="TS throws a raw SyntaxError and leaves an unhandled rejection (Node exits 1)",
            )
            for op, status in (
                ("getBuilds", 200),
                ("getBuild", 200),
                ("createBuild", 201),
                ("deleteBuild", 200),
            )
        ],
    ]


def _schema_read_rows() -> list[Case]:
    """Valid JSON that breaks the schema of a read: a field missing, null, of the wrong type."""
    return [
        Case(
            "getBuild/schema-missing",
            "getBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(lambda: schema("missing", operation="GetBuild", times=1), seeded_build()),
        ),
        Case(
            "getBuild/schema-null",
            "getBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(
                lambda: schema("null", operation="GetBuild", field="status", times=1),
                seeded_build(),
            ),
        ),
        Case(
            "getBuilds/schema-wrong-type",
            "getBuilds",
            Expect("ResponseValidationError", 200),
            setup=inject(lambda: schema("wrong_type", operation="GetBuilds", times=1)),
        ),
    ]


def _schema_write_rows() -> list[Case]:
    """Valid JSON that breaks the schema of a create, a delete or an error body."""
    return [
        Case(
            "createBuild/schema-null",
            "createBuild",
            Expect("ResponseValidationError", 201),
            args=ARGS["createBuild"],
            setup=inject(lambda: schema("null", operation="CreateBuild", times=1)),
        ),
        Case(
            "createBuildRegistry/schema-wrong-type",
            "createBuildRegistry",
            Expect("ResponseValidationError", 201),
            args=ARGS["createBuildRegistry"],
            setup=inject(
                lambda: schema(
                    "wrong_type", operation="CreateBuildRegistry", field="imageSize", times=1
                )
            ),
        ),
        Case(
            "deleteBuild/schema-array",
            "deleteBuild",
            Expect("ResponseValidationError", 200),
            setup=inject(
                lambda: schema("wrong_type", operation="DeleteBuild", times=1), seeded_build()
            ),
        ),
        Case(
            "getBuild/schema-error-message",
            "getBuild",
            Expect("ResponseValidationError", 404),
            args={"buildId": "bld-none"},
            setup=inject(lambda: schema("wrong_type", operation="GetBuild", times=1)),
        ),
    ]


def _transport_rows() -> list[Case]:
    """Bodies cut half-way and connections dropped."""
    return [
        # transport failures
        Case(
            "getBuild/cut-body",
            "getBuild",
            CUT_UNARY,
            relation=PYTHON_BETTER,
            py=Expect("ConnectionError"),
            setup=inject(
                lambda: FaultRule.cut_stream(operation="GetBuild", times=1), seeded_build()
            ),
            note="TS throws a raw TypeError: terminated and leaves an unhandled rejection",
        ),
        Case(
            "getBuild/dropped",
            "getBuild",
            Expect("ConnectionError"),
            args=ARGS["getBuild"],
            setup=inject(lambda: FaultRule.drop(operation="GetBuild", times=1)),
        ),
        Case(
            "createBuild/dropped",
            "createBuild",
            Expect("ConnectionError"),
            args=ARGS["createBuild"],
            setup=inject(lambda: FaultRule.drop(operation="CreateBuild", times=1)),
        ),
    ]
