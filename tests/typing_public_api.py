"""The public API as users write it: type-checked by ``mypy --strict tests``, never run.

pytest does not collect this module (its name does not start with ``test_``). A signature change
that would break users' code fails type checking here. Lines marked ``type: ignore[...]`` must
stay errors: ``--strict`` reports an ignore that is no longer needed.
"""

from __future__ import annotations

from typing import NoReturn

import aiohttp

from hathora_cloud import (
    BackoffStrategy,
    Err,
    HathoraCloud,
    HathoraCloudCore,
    Ok,
    RequestOptions,
    Result,
    RetryConfig,
)
from hathora_cloud.errors import (
    ApiError,
    BuildFailedError,
    HathoraCloudError,
    HathoraError,
    HTTPClientError,
    HTTPConnectionError,
    InvalidRequestError,
    RequestAbortedError,
    RequestTimeoutError,
    ResponseValidationError,
    SDKError,
    SDKValidationError,
    UnexpectedClientError,
    UploadError,
)
from hathora_cloud.funcs import (
    builds_v3_get_build,
    builds_v3_run_build,
    builds_v3_upload_and_run,
    builds_v3_upload_build,
    deployments_v3_create_deployment,
    deployments_v3_deploy,
    deployments_v3_get_deployment,
    deployments_v3_get_deployments,
    deployments_v3_get_latest_deployment,
    deployments_v3_iter_deployments,
)
from hathora_cloud.funcs.builds_v3_get_build import builds_v3_get_build as get_build_by_path
from hathora_cloud.models import (
    BuildPart,
    BuildStatus,
    BuildsV3Page,
    BuildV3,
    ContainerPort,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    Deployed,
    DeploymentConfigV3,
    DeploymentSettings,
    DeploymentsV3Page,
    DeploymentV3,
    EnvVar,
    RegistryConfig,
    TransportType,
)
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.testing import FakeHathora
from hathora_cloud.uploads import UploadProgress


def assert_never(value: NoReturn) -> NoReturn:
    """Fail type checking when a ``match`` leaves a case unhandled."""
    raise AssertionError(f"unhandled value: {value!r}")


def configure() -> HathoraCloudCore:
    """Build a core with every kind of option, as an application's setup code would."""

    async def token() -> str:
        return "from-a-vault"

    retry = RetryConfig(
        strategy="backoff",
        backoff=BackoffStrategy(
            initial_interval=0.5, max_interval=60.0, exponent=1.5, max_elapsed_time=3600.0
        ),
        retry_connection_errors=True,
    )
    RetryConfig(strategy="none")
    RetryConfig(strategy="sometimes")  # type: ignore[arg-type]
    return HathoraCloudCore(
        hathora_dev_token=token,
        org_id="org-1",
        server_url="https://api.hathora.dev",
        timeout=30.0,
        stream_idle_timeout=600.0,
        retry_config=retry,
        user_agent="deploy-bot/1.0",
    )


def per_call_options() -> RequestOptions:
    """Build per-call overrides."""
    return RequestOptions(
        timeout=5.0,
        retries=RetryConfig(strategy="none"),
        retry_codes=("429", "5XX"),
        server_url="http://127.0.0.1:8080",
        headers={"X-Trace": "1"},
    )


async def match_result(core: HathoraCloudCore) -> str:
    """Match on Ok/Err; the trailing case proves the match exhaustive."""
    result = await builds_v3_get_build(core, "bld-1", org_id="org-2", options=per_call_options())
    match result:
        case Ok(value=build):
            status: BuildStatus | str = build.status
            return f"{build.build_id} {status} {build.created_at.isoformat()}"
        case Err(error=error):
            return f"{type(error).__name__}: {error.message}"
        case _:
            assert_never(result)


def explain(error: HathoraError) -> str:
    """Match on the error tree the way callers handle failures."""
    match error:
        case ApiError(status_code=404):
            return "not found"
        case ApiError() | SDKError() as failed:
            return f"{failed.status_code}: {failed.message} (retry in {failed.retry_after})"
        case ResponseValidationError(raw_value=raw):
            return f"bad body {raw!r}"
        case HathoraCloudError(body=body, headers=headers):
            return body + str(headers.get("Content-Type"))
        case SDKValidationError(raw_value=raw):
            return f"bad input {raw!r}"
        case RequestTimeoutError() | HTTPConnectionError() | RequestAbortedError():
            return "network"
        case InvalidRequestError() | UnexpectedClientError() | HTTPClientError():
            return "client"
        case UploadError(part_number=part, attempts=attempts):
            return f"part {part} failed after {attempts}"
        case BuildFailedError(build=build, log_tail=tail):
            return f"{build.build_id} failed: {tail[-1:]}"
        case _:
            return "other"


async def narrow_and_unwrap(core: HathoraCloudCore) -> BuildV3 | None:
    """Use .ok, unwrap() and unwrap_or() as users do."""
    result: Result[BuildV3, HathoraError] = await get_build_by_path(core, "bld-1")
    if result.ok:
        size: int = result.value.image_size
        print(size)
    else:
        failure: HathoraError = result.error
        print(failure)
    print(result.value)  # type: ignore[union-attr]
    build: BuildV3 = result.unwrap()
    maybe: BuildV3 | None = result.unwrap_or(None)
    await builds_v3_get_build(core, 42)  # type: ignore[arg-type]
    return maybe if maybe is not None else build


async def stream_log(core: HathoraCloudCore) -> list[str]:
    """Read a run's log as lines and as bytes."""
    lines: list[str] = []
    match await builds_v3_run_build(core, "bld-1"):
        case Ok(value=log):
            stream: BuildLogStream = log
            async with stream:
                lines.extend([line async for line in stream])
                async for chunk in stream.iter_bytes():
                    raw: bytes = chunk
                    print(raw)
            await stream.aclose()
        case Err(error=error):
            raise error
    return lines


async def use_facade(session: aiohttp.ClientSession) -> CreatedBuildV3WithMultipartUrls:
    """Use the facade, whose methods return values or raise."""
    async with HathoraCloud(hathora_dev_token="t", session=session) as hathora:
        page: BuildsV3Page = await hathora.builds_v3.get_builds()
        registry_build: BuildV3 = await hathora.builds_v3.create_build_registry(
            CreateBuildV3Params(build_tag="v1")
        )
        log: BuildLogStream = await hathora.builds_v3.run_build_registry(
            registry_build.build_id, RegistryConfig(image="img", registry_url="r", auth="a")
        )
        await log.aclose()
        deleted: DeletedBuild = await hathora.builds_v3.delete_build(page.builds[0].build_id)
        print(deleted)
        core: HathoraCloudCore = hathora.core
        print(await builds_v3_get_build(core, "bld-1"))
        try:
            await hathora.builds_v3.get_build("missing")
        except ApiError as error:
            code: int = error.status_code
            print(code)
        created = await hathora.builds_v3.create_build(
            CreateMultipartBuildParams(build_size_in_bytes=1024, build_tag="v2")
        )
        parts: tuple[BuildPart, ...] = created.upload_parts
        print(parts[0].part_number + 1, created.max_chunk_size)
        return created


def show_progress(progress: UploadProgress) -> None:
    """An on_progress callback reads the four counters."""
    print(progress.bytes_sent, progress.total_bytes, progress.parts_done, progress.parts_total)


async def against_emulator() -> None:
    """Point a core at the local emulator."""
    async with (
        FakeHathora() as fake,
        HathoraCloudCore(hathora_dev_token=fake.token, server_url=fake.url) as core,
    ):
        build = (await builds_v3_get_build(core, "bld-1")).unwrap()
        build.status = BuildStatus.FAILED  # type: ignore[misc]


async def deploy(core: HathoraCloudCore) -> str:
    """upload_and_run takes sync callbacks and its Err arm narrows to the upload error union."""
    result = await builds_v3_upload_and_run(
        core, "server/", on_progress=show_progress, on_log_line=print
    )
    match result:
        case Ok(value=build):
            return build.build_id
        case Err(error=error):
            match error:
                case BuildFailedError(build=failed_build, log_tail=tail):
                    return f"{failed_build.build_id}: {tail[-1] if tail else ''}"
                case UploadError(part_number=part):
                    return f"part {part} failed"
                case _:
                    return str(error)
        case _:
            assert_never(result)


async def upload_bytes(core: HathoraCloudCore, tarball: bytes) -> int:
    """upload_build accepts bytes and an async progress callback."""

    async def on_progress(progress: UploadProgress) -> None:
        print(progress.bytes_sent)

    created = (await builds_v3_upload_build(core, tarball, on_progress=on_progress)).unwrap()
    return created.max_chunk_size


def deployment_config(build_id: str) -> DeploymentConfigV3:
    """Build a createDeployment body with every kind of field."""
    DeploymentConfigV3(build_id=build_id)  # type: ignore[call-arg]
    return DeploymentConfigV3(
        build_id=build_id,
        idle_timeout_enabled=True,
        env=(EnvVar(name="MODE", value="prod"),),
        rooms_per_process=4,
        transport_type=TransportType.UDP,
        container_port=7777,
        requested_memory_mb=1024,
        requested_cpu=0.5,
        additional_container_ports=(ContainerPort(transport_type="tcp", port=9000, name="a"),),
        requested_gpu=1,
        fleet_id="fleet-1",
        deployment_tag="blue",
    )


async def deployments(core: HathoraCloudCore) -> list[str]:
    """Use the four DeploymentsV3 functions and the iterator as users do."""
    page = (
        await deployments_v3_get_deployments(
            core, "app-1", deployment_tag="blue", build_tag="1.0", next_page_token=None
        )
    ).unwrap()
    listed: DeploymentsV3Page = page
    token: str | None = listed.next_page_token
    created = await deployments_v3_create_deployment(core, deployment_config("bld-1"), "app-1")
    match created:
        case Ok(value=deployment):
            port: ContainerPort = deployment.default_container_port
            kind: TransportType | str = port.transport_type
            memory: float = deployment.requested_memory_mb
            print(kind, memory, token)
        case Err(error=error):
            print(error.message)
        case _:
            assert_never(created)
    latest: DeploymentV3 = (await deployments_v3_get_latest_deployment(core)).unwrap()
    one = await deployments_v3_get_deployment(
        core, latest.deployment_id, options=per_call_options()
    )
    await deployments_v3_get_deployment(core)  # type: ignore[call-arg]
    ids = [d.deployment_id for d in page.deployments]
    async for item in deployments_v3_iter_deployments(core, build_tag="1.0"):
        match item:
            case Ok(value=each):
                ids.append(each.deployment_id)
            case Err(error=failure):
                print(failure.message)
    print(one.ok)
    return ids


async def deploy_in_one_call(core: HathoraCloudCore) -> Deployed:
    """deployments_v3_deploy with settings, from_latest and callbacks; its Err arm narrows."""
    settings = DeploymentSettings(rooms_per_process=2, env=(), idle_timeout_enabled=False)
    result = await deployments_v3_deploy(
        core,
        "server/",
        settings,
        app_id="app-1",
        from_latest=True,
        build_tag="1.0",
        delete_on_failure=False,
        on_log_line=print,
        on_progress=show_progress,
        options=per_call_options(),
    )
    match result:
        case Ok(value=deployed):
            build: BuildV3 = deployed.build
            print(build.build_id, deployed.deployment.deployment_id)
            return deployed
        case Err(error=BuildFailedError(build=failed)):
            raise RuntimeError(failed.build_id)
        case Err(error=error):
            retry_with: str | None = error.build_id
            raise RuntimeError(retry_with)
        case _:
            assert_never(result)


async def deployments_facade() -> list[DeploymentV3]:
    """The facade's DeploymentsV3 methods return values, its iterator yields bare deployments."""
    async with HathoraCloud(hathora_dev_token="t", app_id="app-1") as hathora:
        page: DeploymentsV3Page = await hathora.deployments_v3.get_deployments(build_tag="1.0")
        latest: DeploymentV3 = await hathora.deployments_v3.get_latest_deployment()
        one: DeploymentV3 = await hathora.deployments_v3.get_deployment(latest.deployment_id)
        made: DeploymentV3 = await hathora.deployments_v3.create_deployment(
            deployment_config(one.build_id)
        )
        deployed: Deployed = await hathora.deployments_v3.deploy(
            b"tarball", DeploymentSettings(container_port=7777), from_latest=True
        )
        everything = [d async for d in hathora.deployments_v3.iter_deployments()]
        return [*page.deployments, made, deployed.deployment, *everything]
