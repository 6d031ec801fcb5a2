"""``HathoraCloud``: the class facade whose methods return values or raise the error.

It wraps the standalone functions exactly as the TypeScript SDK's ``HathoraCloud`` class does::

    async with HathoraCloud(hathora_dev_token="...") as hathora:
        build = await hathora.builds_v3.get_build("bld-...")
"""

from __future__ import annotations

import functools

from ._core import HathoraCloudCore
from ._upload_source import UploadSource
from .funcs.builds_v3_create_build import builds_v3_create_build
from .funcs.builds_v3_create_build_registry import builds_v3_create_build_registry
from .funcs.builds_v3_delete_build import builds_v3_delete_build
from .funcs.builds_v3_get_build import builds_v3_get_build
from .funcs.builds_v3_get_builds import builds_v3_get_builds
from .funcs.builds_v3_run_build import builds_v3_run_build
from .funcs.builds_v3_run_build_registry import builds_v3_run_build_registry
from .funcs.builds_v3_upload_and_run import builds_v3_upload_and_run
from .funcs.builds_v3_upload_build import builds_v3_upload_build
from .funcs.builds_v3_wait_for_build import builds_v3_wait_for_build
from .models import (
    BuildsV3Page,
    BuildV3,
    CreateBuildV3Params,
    CreatedBuildV3WithMultipartUrls,
    CreateMultipartBuildParams,
    DeletedBuild,
    RegistryConfig,
)
from .retries import RequestOptions
from .streams import BuildLogStream
from .uploads import LogLineCallback, ProgressCallback

__all__ = ("BuildsV3", "HathoraCloud")


class BuildsV3:
    """The BuildsV3 operations; each returns its value or raises a ``HathoraError``."""

    def __init__(self, core: HathoraCloudCore) -> None:
        self._core = core

    async def get_builds(
        self, *, org_id: str | None = None, options: RequestOptions | None = None
    ) -> BuildsV3Page:
        """List the organization's builds; see :func:`builds_v3_get_builds`."""
        return (await builds_v3_get_builds(self._core, org_id=org_id, options=options)).unwrap()

    async def create_build(
        self,
        params: CreateMultipartBuildParams,
        *,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> CreatedBuildV3WithMultipartUrls:
        """Create a build with upload URLs; see :func:`builds_v3_create_build`."""
        result = await builds_v3_create_build(self._core, params, org_id=org_id, options=options)
        return result.unwrap()

    async def get_build(
        self, build_id: str, *, org_id: str | None = None, options: RequestOptions | None = None
    ) -> BuildV3:
        """Get one build; see :func:`builds_v3_get_build`."""
        result = await builds_v3_get_build(self._core, build_id, org_id=org_id, options=options)
        return result.unwrap()

    async def delete_build(
        self, build_id: str, *, org_id: str | None = None, options: RequestOptions | None = None
    ) -> DeletedBuild:
        """Delete a build; see :func:`builds_v3_delete_build`."""
        result = await builds_v3_delete_build(self._core, build_id, org_id=org_id, options=options)
        return result.unwrap()

    async def create_build_registry(
        self,
        params: CreateBuildV3Params | None = None,
        *,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> BuildV3:
        """Create a registry build; see :func:`builds_v3_create_build_registry`."""
        result = await builds_v3_create_build_registry(
            self._core, params, org_id=org_id, options=options
        )
        return result.unwrap()

    async def run_build(
        self, build_id: str, *, org_id: str | None = None, options: RequestOptions | None = None
    ) -> BuildLogStream:
        """Run a build and return its log stream; see :func:`builds_v3_run_build`."""
        result = await builds_v3_run_build(self._core, build_id, org_id=org_id, options=options)
        return result.unwrap()

    async def run_build_registry(
        self,
        build_id: str,
        registry_config: RegistryConfig,
        *,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> BuildLogStream:
        """Build from a registry image; see :func:`builds_v3_run_build_registry`."""
        result = await builds_v3_run_build_registry(
            self._core, build_id, registry_config, org_id=org_id, options=options
        )
        return result.unwrap()

    async def upload_build(
        self,
        source: UploadSource,
        *,
        build_tag: str | None = None,
        build_id: str | None = None,
        concurrency: int = 4,
        on_progress: ProgressCallback | None = None,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> CreatedBuildV3WithMultipartUrls:
        """Create a build and upload its tarball; see :func:`builds_v3_upload_build`."""
        result = await builds_v3_upload_build(
            self._core,
            source,
            build_tag=build_tag,
            build_id=build_id,
            concurrency=concurrency,
            on_progress=on_progress,
            org_id=org_id,
            options=options,
        )
        return result.unwrap()

    async def wait_for_build(
        self,
        build_id: str,
        *,
        poll_interval: float = 2.0,
        timeout: float | None = None,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> BuildV3:
        """Poll a build until it has finished; see :func:`builds_v3_wait_for_build`."""
        result = await builds_v3_wait_for_build(
            self._core,
            build_id,
            poll_interval=poll_interval,
            timeout=timeout,
            org_id=org_id,
            options=options,
        )
        return result.unwrap()

    async def upload_and_run(
        self,
        source: UploadSource,
        *,
        build_tag: str | None = None,
        on_log_line: LogLineCallback | None = None,
        on_progress: ProgressCallback | None = None,
        concurrency: int = 4,
        org_id: str | None = None,
        options: RequestOptions | None = None,
    ) -> BuildV3:
        """Upload, run and judge a build; see :func:`builds_v3_upload_and_run`."""
        result = await builds_v3_upload_and_run(
            self._core,
            source,
            build_tag=build_tag,
            on_log_line=on_log_line,
            on_progress=on_progress,
            concurrency=concurrency,
            org_id=org_id,
            options=options,
        )
        return result.unwrap()


class HathoraCloud(HathoraCloudCore):
    """The SDK as one object: ``hathora.builds_v3.get_build(...)`` returns a value or raises.

    Takes the same keywords as :class:`HathoraCloudCore` (it is one, as the TypeScript SDK's
    ``HathoraCloud`` and ``HathoraCloudCore`` share their base): ``.core`` works with the
    standalone functions too, and closing either closes both.
    """

    @functools.cached_property
    def builds_v3(self) -> BuildsV3:
        """The BuildsV3 operations."""
        return BuildsV3(self)

    @property
    def core(self) -> HathoraCloudCore:
        """The core behind the facade, for the standalone functions."""
        return self

    async def __aenter__(self) -> HathoraCloud:
        return self
