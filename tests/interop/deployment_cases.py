"""Interop rows for DeploymentsV3 (TS only until the Python SDK has the operations).

TS 2.25.6 has no ``nextPageToken``: the first-page row checks that it still parses a page that
carries one (it drops the key). No row sends an ``orgId``: these routes take none, and a
client-wide ``orgId`` must not leak onto them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hathora_cloud.testing import FaultRule

from .._deployments import REQUIRED_KEYS
from .cases import (
    APP,
    ARGS,
    CONFIG,
    EMPTY_APP,
    OK,
    PAGED_APP,
    deployment,
    inject,
    keys,
    with_build,
)
from .harness import PYTHON_BETTER, Case, Expect

DEPLOYMENT_KEYS = REQUIRED_KEYS


schema = FaultRule.invalid_schema
OPTIONAL_FIELDS: dict[str, Any] = {
    "additionalContainerPorts": [{"transportType": "tcp", "port": 9000, "name": "admin"}],
    "requestedGPU": 1,
    "experimentalRequestedGPU": 0,
    "fleetId": "fleet-7",
    "deploymentTag": "canary",
}
"""Every optional DeploymentConfigV3 field, as a client may send them."""


def _first_page(side: str, value: Mapping[str, Any]) -> None:
    if side == "ts":
        assert "nextPageToken" not in value, "TS 2.25.6 drops nextPageToken"
    else:
        assert isinstance(value.get("nextPageToken"), str), "the token to page 2"
    assert len(value["deployments"]) == 2
    for item in value["deployments"]:
        keys(*DEPLOYMENT_KEYS)(side, item)


def _default_port(side: str, value: Mapping[str, Any]) -> None:
    keys(*DEPLOYMENT_KEYS, "fleetId")(side, value)
    assert value["defaultContainerPort"] == {
        "transportType": "udp",
        "port": 7777,
        "name": "default",
    }
    assert value["additionalContainerPorts"] == []


def deployment_rows() -> list[Case]:
    """The four DeploymentsV3 operations: success and error paths, shapes TS must parse."""
    return [
        *_list_rows(),
        *_create_rows(),
        *_read_rows(),
        *_broken_body_rows(),
    ]


def _list_rows() -> list[Case]:
    """getDeployments: a first page with a token TS drops, filters, unknown apps, no orgId."""
    return [
        Case(
            "getDeployments/first-page",
            "getDeployments",
            Expect("ok", org_id=None),
            relation=PYTHON_BETTER,
            py=Expect("ok", org_id=None),
            args={"appId": PAGED_APP},
            check=_first_page,
            note="the emulator sends nextPageToken; TS 2.25.6 drops it, so page 2 is out of reach",
        ),
        Case(
            "getDeployments/filter",
            "getDeployments",
            OK,
            args={"appId": PAGED_APP, "deploymentTag": "blue", "buildTag": "v1"},
            compare_value=True,
        ),
        Case("getDeployments/empty-app", "getDeployments", OK, args={"appId": EMPTY_APP}),
        Case(
            "getDeployments/unknown-app",
            "getDeployments",
            Expect("ApiError", 404),
            args={"appId": "app-none"},
        ),
        Case(
            "getDeployments/client-orgId-not-sent",
            "getDeployments",
            Expect("ok", org_id=None),
            args={"appId": EMPTY_APP},
            client={"orgId": "org-other"},
        ),
    ]


def _create_rows() -> list[Case]:
    """createDeployment: every field, and the refusals (transport, build state, ids)."""
    return [
        Case(
            "createDeployment/ok",
            "createDeployment",
            Expect("ok", status=None, org_id=None),
            args={"appId": APP},
            setup=with_build(),
            fields=("appId", "roomsPerProcess", "env", "defaultContainerPort", "fleetId"),
            check=_default_port,
        ),
        Case(
            "createDeployment/optional-fields",
            "createDeployment",
            OK,
            args={"appId": APP},
            setup=with_build(**OPTIONAL_FIELDS),
            fields=tuple(OPTIONAL_FIELDS),
        ),
        Case(
            "createDeployment/unknown-transport",
            "createDeployment",
            Expect("ApiError", 422),
            args={"appId": APP},
            setup=with_build(transportType="quic"),
        ),
        Case(
            "createDeployment/failed-build",
            "createDeployment",
            Expect("ApiError", 422),
            args={"appId": APP},
            setup=with_build(status="failed"),
        ),
        Case(
            "createDeployment/unknown-build",
            "createDeployment",
            Expect("ApiError", 404),
            args={"appId": APP, "config": {**CONFIG, "buildId": "bld-none"}},
        ),
        Case(
            "createDeployment/unknown-app",
            "createDeployment",
            Expect("ApiError", 404),
            args={"appId": "app-none"},
            setup=with_build(),
        ),
    ]


def _read_rows() -> list[Case]:
    """getLatestDeployment and getDeployment."""
    return [
        Case(
            "getLatestDeployment/ok",
            "getLatestDeployment",
            OK,
            args={"appId": PAGED_APP},
            compare_value=True,
            check=keys(*DEPLOYMENT_KEYS),
        ),
        Case(
            "getLatestDeployment/none-yet",
            "getLatestDeployment",
            Expect("ApiError", 404),
            args={"appId": EMPTY_APP},
        ),
        Case(
            "getDeployment/ok",
            "getDeployment",
            OK,
            args={"appId": APP},
            setup=deployment,
            echo=("deploymentId", "deploymentId"),
            fields=("buildTag", "appId"),
        ),
        Case(
            "getDeployment/other-app",
            "getDeployment",
            Expect("ApiError", 404),
            args={"appId": EMPTY_APP},
            setup=deployment,
        ),
    ]


def _broken_body_rows() -> list[Case]:
    """Answers that break the schema, or are not JSON at all."""
    return [
        Case(
            "getDeployment/schema-null-fleetId",
            "getDeployment",
            Expect("ResponseValidationError", 200),
            relation=PYTHON_BETTER,
            py=Expect("ok"),
            note="Python accepts null in an optional response field (contract §7); TS rejects it",
            args={"appId": APP},
            setup=inject(
                lambda: schema("null", operation="GetDeployment", field="fleetId", times=1),
                deployment,
            ),
        ),
        Case(
            "getDeployments/schema-missing",
            "getDeployments",
            Expect("ResponseValidationError", 200),
            args={"appId": APP},
            setup=inject(lambda: schema("missing", operation="GetDeployments", times=1)),
        ),
        Case(
            "createDeployment/schema-missing-ports",
            "createDeployment",
            Expect("ResponseValidationError", 201),
            args={"appId": APP},
            setup=inject(
                lambda: schema(
                    "missing",
                    operation="CreateDeployment",
                    field="additionalContainerPorts",
                    times=1,
                ),
                with_build(),
            ),
        ),
        Case(
            "getLatestDeployment/malformed-json",
            "getLatestDeployment",
            Expect("raw:SyntaxError", unhandled=True),
            relation=PYTHON_BETTER,
            py=Expect("ResponseValidationError", 200),
            args=ARGS["getLatestDeployment"],
            setup=inject(
                lambda: FaultRule.malformed_json(operation="GetLatestDeployment", times=1)
            ),
            note="TS throws a raw SyntaxError and leaves an unhandled rejection (Node exits 1)",
        ),
    ]
