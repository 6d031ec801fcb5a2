"""The deployment options of ``deploy`` and ``deployments create``: each parsing rule, in-process.

These read the options as the CLI does (``parse`` then ``requested``), without a server; the
tests in ``test_cli_deploy.py`` show the same rules through the command, nothing sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from hathora_cloud.cli._errors import UsageError
from hathora_cloud.cli._parser import parse
from hathora_cloud.cli._settings import Requested, requested
from hathora_cloud.cli._shorthand import env_secrets
from hathora_cloud.models import ContainerPort, DeploymentSettings, EnvVar, TransportType

FULL = (
    "--transport-type",
    "udp",
    "--container-port",
    "7777",
    "--rooms-per-process",
    "2",
    "--requested-memory-mb",
    "1024",
    "--requested-cpu",
    "0.5",
)
"""Every option the API requires and nothing defaults."""

Read = Callable[..., Requested]


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> Read:
    """Read ``deploy PATH`` options (no HATHORA_ variable but those given in ``env``)."""
    for name in [name for name in os.environ if name.startswith("HATHORA_")]:
        monkeypatch.delenv(name)

    def run(*argv: str, env: dict[str, str] | None = None, embedded: bool = False) -> Requested:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        return requested(parse(["deploy", "server/", *argv]), embedded=embedded, build=True)

    return run


def test_env_values_keep_equals_signs_and_commas(read: Read) -> None:
    """`--env` splits at the first `=` only: a value may hold `=` and `,`, or be empty."""
    settings = read(*FULL, "--env", "DSN=host=db,port=5432", "--env", "EMPTY=").settings
    assert settings.env == (
        EnvVar(name="DSN", value="host=db,port=5432"),
        EnvVar(name="EMPTY", value=""),
    )


@pytest.mark.parametrize(
    ("entries", "expected", "hidden"),
    [
        (["A=1", "JUST_A_NAME"], "--env entry 2 is not NAME=VALUE: 'JUST_A_NAME'", None),
        (["p@ss/w0rd!"], "--env entry 1 is not NAME=VALUE (not shown", "p@ss/w0rd!"),
        (["=value-1"], "--env entry 1: the variable name '' must be non-empty", "value-1"),
        (["MY VAR=x1"], "--env entry 1: the variable name 'MY VAR' must be", "x1"),
        (["A=1", "A=secret-2"], "the environment variable 'A' is given twice", "secret-2"),
    ],
)
def test_a_malformed_env_entry_is_named_without_its_value(
    read: Read, entries: list[str], expected: str, hidden: str | None
) -> None:
    """A bad `--env` is a usage error naming the entry; a value (or secret-like text) is hidden."""
    argv = [word for entry in entries for word in ("--env", entry)]
    with pytest.raises(UsageError) as caught:
        read(*FULL, *argv)
    assert str(caught.value).startswith(expected)
    assert hidden is None or hidden not in str(caught.value)


def test_additional_ports_use_the_official_shorthand(read: Read) -> None:
    """`[NAME:]PORT[/TRANSPORT]`, repeatable or comma-separated; the transport defaults to tcp."""
    settings = read(
        *FULL, "--additional-port", "chat:7001/udp", "--additional-port", "7002,rcon:7003/TLS"
    ).settings
    assert settings.additional_container_ports == (
        ContainerPort(transport_type=TransportType.UDP, port=7001, name="chat"),
        ContainerPort(transport_type=TransportType.TCP, port=7002, name=""),
        ContainerPort(transport_type=TransportType.TLS, port=7003, name="rcon"),
    )
    official = read(*FULL, "--additional-container-ports", "a:1").settings
    assert official.additional_container_ports == (
        ContainerPort(transport_type=TransportType.TCP, port=1, name="a"),
    )


@pytest.mark.parametrize(
    ("port", "reason"),
    [
        ("chat:0/udp", "the port must be from 1 to 65535"),
        ("chat:65536", "the port must be from 1 to 65535"),
        ("chat:7001/quic", "the transport must be tcp, udp or tls"),
        ("my chat:7001", "is not [NAME:]PORT[/TRANSPORT]"),
        ("chat:", "is not [NAME:]PORT[/TRANSPORT]"),
        ("", "is not [NAME:]PORT[/TRANSPORT]"),
    ],
)
def test_a_bad_additional_port_is_a_usage_error(read: Read, port: str, reason: str) -> None:
    """A malformed port, one out of range, or an unknown transport is refused, named."""
    with pytest.raises(UsageError) as caught:
        read(*FULL, "--additional-port", port)
    assert f"--additional-port {port!r}" in str(caught.value)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("flag", "value", "expected"),
    [
        ("--transport-type", "quic", "tcp, udp or tls"),
        ("--container-port", "0", "an integer from 1 to 65535"),
        ("--container-port", "65536", "an integer from 1 to 65535"),
        ("--container-port", "7777.0", "an integer from 1 to 65535"),
        ("--rooms-per-process", "0", "an integer of at least 1"),
        ("--requested-memory-mb", "0", "a positive number, such as 1024 or 0.5"),
        ("--requested-memory-mb", "nan", "a positive number, such as 1024 or 0.5"),
        ("--requested-cpu", "-1", "a positive number, such as 1024 or 0.5"),
        ("--requested-cpu", "inf", "a positive number, such as 1024 or 0.5"),
        ("--requested-gpu", "0.5", "a whole number of at least 0"),
        ("--fleet-id", "", "a non-empty string"),
        ("--deployment-tag", "", "a non-empty string"),
        ("--build-tag", "", "a non-empty string"),
    ],
)
def test_a_bad_number_or_label_names_the_flag(
    read: Read, flag: str, value: str, expected: str
) -> None:
    """Each value is checked when read; the error names the flag and the value given."""
    with pytest.raises(UsageError) as caught:
        read(*FULL, f"{flag}={value}")
    assert str(caught.value) == f"{flag} must be {expected}, got {value!r}"


def test_numbers_are_read_as_the_api_types_them(read: Read) -> None:
    """Ports and rooms are ints; memory, CPU and GPU floats; the transport is the enum."""
    settings = read(*FULL, "--requested-gpu", "1", "--transport-type", "TCP").settings
    assert (settings.container_port, settings.rooms_per_process) == (7777, 2)
    assert (settings.requested_memory_mb, settings.requested_cpu) == (1024.0, 0.5)
    assert settings.requested_gpu == 1.0
    assert settings.transport_type is TransportType.TCP


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], True),
        (["--idle-timeout"], True),
        (["--no-idle-timeout"], False),
        (["--idle-timeout-enabled"], True),
        (["--idle-timeout-enabled", "false"], False),
        (["--idle-timeout-enabled=FALSE", "--no-idle-timeout"], False),
    ],
)
def test_idle_timeout_spellings(read: Read, argv: list[str], expected: bool) -> None:
    """On unless turned off, with ours or the official CLI's spelling."""
    assert read(*FULL, *argv).settings.idle_timeout_enabled is expected


def test_contradicting_idle_timeout_spellings_are_refused(read: Read) -> None:
    """`--idle-timeout-enabled true --no-idle-timeout` is a usage error, not a silent choice."""
    with pytest.raises(UsageError, match="contradicts"):
        read(*FULL, "--idle-timeout-enabled", "true", "--no-idle-timeout")
    with pytest.raises(UsageError, match="--idle-timeout-enabled must be true or false"):
        read(*FULL, "--idle-timeout-enabled", "maybe")


def test_the_official_variables_fill_what_the_flags_do_not(read: Read) -> None:
    """HATHORA_DEPLOYMENT_* (and HATHORA_BUILD_TAG) stand in for absent flags; a flag wins."""
    env = {
        "HATHORA_DEPLOYMENT_TRANSPORT_TYPE": "tcp",
        "HATHORA_DEPLOYMENT_CONTAINER_PORT": " 7000 ",
        "HATHORA_DEPLOYMENT_ROOMS_PER_PROCESS": "4",
        "HATHORA_DEPLOYMENT_REQUESTED_MEMORY_MB": "2048",
        "HATHORA_DEPLOYMENT_REQUESTED_CPU": "1",
        "HATHORA_DEPLOYMENT_REQUESTED_GPU": "",  # empty: unset, as the official CLI has it
        "HATHORA_DEPLOYMENT_DEPLOYMENT_TAG": "nightly",
        "HATHORA_DEPLOYMENT_FLEET_ID": "fleet-2",
        "HATHORA_DEPLOYMENT_IDLE_TIMEOUT_ENABLED": "false",
        "HATHORA_DEPLOYMENT_ADDITIONAL_CONTAINER_PORTS": "chat:7001/udp,7002",
        "HATHORA_BUILD_TAG": "1.4.2",
    }
    read_back = read("--rooms-per-process", "8", env=env)
    settings = read_back.settings
    assert settings.transport_type is TransportType.TCP
    assert (settings.container_port, settings.rooms_per_process) == (7000, 8)
    assert (settings.requested_memory_mb, settings.requested_cpu) == (2048.0, 1.0)
    assert settings.requested_gpu is None
    assert (settings.deployment_tag, settings.fleet_id) == ("nightly", "fleet-2")
    assert settings.idle_timeout_enabled is False
    assert [port.port for port in settings.additional_container_ports or ()] == [7001, 7002]
    assert read_back.build_tag == "1.4.2"


def test_a_bad_variable_is_named(read: Read) -> None:
    """A malformed HATHORA_DEPLOYMENT_* value is a usage error naming the variable."""
    with pytest.raises(UsageError, match=r"^HATHORA_DEPLOYMENT_CONTAINER_PORT must be an integer"):
        read(*FULL[:2], *FULL[4:], env={"HATHORA_DEPLOYMENT_CONTAINER_PORT": "http"})
    with pytest.raises(UsageError, match=r"^HATHORA_DEPLOYMENT_FROM_LATEST must be true or false"):
        read(*FULL, env={"HATHORA_DEPLOYMENT_FROM_LATEST": "sometimes"})


def test_the_official_env_variable_is_split_as_the_official_cli_splits_it(read: Read) -> None:
    """HATHORA_DEPLOYMENT_ENV: commas separate entries unless the next piece has no `=`."""
    text = 'A=1,2, B = "x y" ,C='
    settings = read(*FULL, env={"HATHORA_DEPLOYMENT_ENV": text}).settings
    assert settings.env == (
        EnvVar(name="A", value="1,2"),
        EnvVar(name="B", value="x y"),
        EnvVar(name="C", value=""),
    )
    flagged = read(*FULL, "--env", "D=4", env={"HATHORA_DEPLOYMENT_ENV": text}).settings
    assert flagged.env == (EnvVar(name="D", value="4"),)  # a flag replaces the variable
    with pytest.raises(UsageError, match=r"^HATHORA_DEPLOYMENT_ENV entry 1 is not NAME=VALUE"):
        read(*FULL, env={"HATHORA_DEPLOYMENT_ENV": "oops"})


def test_missing_required_options_are_named(read: Read) -> None:
    """Without --from-latest the five sizing options are required; the error lists the missing."""
    with pytest.raises(UsageError) as caught:
        read("--transport-type", "udp", "--requested-cpu", "1")
    message = str(caught.value)
    assert message.startswith(
        "missing --container-port, --rooms-per-process, --requested-memory-mb: the API requires"
    )
    assert "--from-latest" in message


def test_the_emulator_fills_only_what_is_missing_and_says_so(read: Read) -> None:
    """With --emulator the example's needs fill the gaps; what was given is kept."""
    demo = read("--container-port", "9000", embedded=True)
    assert demo.demo == (
        "--transport-type udp",
        "--rooms-per-process 1",
        "--requested-memory-mb 1024",
        "--requested-cpu 0.5",
    )
    assert demo.settings == DeploymentSettings(
        idle_timeout_enabled=True,
        env=(),
        rooms_per_process=1,
        transport_type=TransportType.UDP,
        container_port=9000,
        requested_memory_mb=1024.0,
        requested_cpu=0.5,
    )
    assert read(*FULL, embedded=True).demo == ()


def test_from_latest_leaves_what_was_not_given_unset_and_keeps_explicit_values(
    read: Read,
) -> None:
    """With --from-latest, only given options are set: `--no-idle-timeout` and 0 stay given."""
    read_back = read("--from-latest", "--no-idle-timeout", "--requested-gpu", "0")
    assert read_back.from_latest
    assert read_back.settings == DeploymentSettings(idle_timeout_enabled=False, requested_gpu=0.0)
    assert read("--from-latest").settings == DeploymentSettings()
    by_variable = read(env={"HATHORA_DEPLOYMENT_FROM_LATEST": "true"})
    assert by_variable.from_latest


def test_from_latest_cannot_be_used_with_the_embedded_emulator(read: Read) -> None:
    """The embedded emulator starts empty: --from-latest there is a usage error saying why."""
    with pytest.raises(UsageError, match="no deployment to inherit from"):
        read("--from-latest", embedded=True)


def test_the_retry_flags_repeat_the_options_without_env_values(read: Read) -> None:
    """The options a retry command repeats show every flag, and each env entry by name only."""
    read_back = read(*FULL, "--env", "API_KEY=s3cret-value", "--deployment-tag", "a b")
    assert "--env API_KEY=…" in read_back.flags
    assert "--deployment-tag 'a b'" in read_back.flags
    assert "--container-port 7777" in read_back.flags
    assert not any("s3cret-value" in flag for flag in read_back.flags)


def test_env_values_are_collected_for_masking_unless_shown() -> None:
    """The values of --env (both spellings) and HATHORA_DEPLOYMENT_ENV are masked on stderr."""
    argv = ["deploy", "x", "--env", "A=value-one", "--env=B=value-two"]
    variables = {"HATHORA_DEPLOYMENT_ENV": "C=value-three"}
    assert env_secrets(argv, variables) == ["value-one", "value-two", "value-three"]
    assert env_secrets([*argv, "--show-env"], variables) == []
