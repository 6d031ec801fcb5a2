"""The public import paths of DESIGN.md work, and importing the SDK stays lean."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_HEAVY = ("hathora_cloud.testing", "hathora_cloud.cli", "rich", "aiohttp.web")


def _modules_after(statement: str) -> list[str]:
    """Run ``statement`` in a fresh interpreter; return the modules it loaded."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


@pytest.mark.parametrize(
    "statement",
    [
        "import hathora_cloud",
        "import hathora_cloud.funcs.builds_v3_get_build",
        "from hathora_cloud.funcs import builds_v3_get_build",
    ],
)
def test_sdk_imports_leave_out_emulator_cli_and_rich(statement: str) -> None:
    """Importing the SDK or one operation never loads the emulator, the CLI, rich or aiohttp.web."""
    loaded = _modules_after(statement)
    assert [m for m in loaded if m.startswith(_HEAVY)] == []


def test_one_function_imports_only_its_own_module() -> None:
    """Asking hathora_cloud.funcs for one function loads no other operation's module."""
    loaded = _modules_after("from hathora_cloud.funcs import builds_v3_get_build")
    funcs = [m for m in loaded if m.startswith("hathora_cloud.funcs.")]
    assert funcs == ["hathora_cloud.funcs.builds_v3_get_build"]


def test_a_unary_operation_loads_no_stream_or_upload_code() -> None:
    """Importing get_build loads neither the log stream nor the upload vocabulary nor the flows;
    the top-level names for them still resolve when asked for."""
    loaded = _modules_after("import hathora_cloud.funcs.builds_v3_get_build")
    unwanted = ("hathora_cloud.streams", "hathora_cloud.uploads", "hathora_cloud._upload")
    assert [m for m in loaded if m.startswith(unwanted)] == []
    loaded = _modules_after(
        "import hathora_cloud\n"
        "assert hathora_cloud.UploadProgress.__name__ == 'UploadProgress'\n"
        "assert hathora_cloud.BuildLogStream.__name__ == 'BuildLogStream'\n"
        "from hathora_cloud import ProgressCallback, SkippedFile, UploadPhase, LogLineCallback"
    )
    assert "hathora_cloud.uploads" in loaded


def test_design_import_lines_work() -> None:
    """Every import line of DESIGN.md's public-names block succeeds."""
    statement = """
from hathora_cloud import HathoraCloudCore, HathoraCloud, Ok, Err, Result
from hathora_cloud import RetryConfig, BackoffStrategy, RequestOptions
from hathora_cloud.funcs import builds_v3_get_build
from hathora_cloud.funcs.builds_v3_get_build import builds_v3_get_build as by_path
from hathora_cloud.models import (BuildV3, BuildStatus, BuildsV3Page,
    CreatedBuildV3WithMultipartUrls, BuildPart, CreateMultipartBuildParams, CreateBuildV3Params,
    RegistryConfig, DeletedBuild)
from hathora_cloud.errors import (HathoraError, HathoraCloudError, ApiError, SDKError,
    ResponseValidationError, SDKValidationError, HTTPClientError, HTTPConnectionError,
    RequestTimeoutError, RequestAbortedError, InvalidRequestError, UnexpectedClientError,
    UploadError, BuildFailedError)
from hathora_cloud.streams import BuildLogStream
from hathora_cloud.uploads import UploadProgress
from hathora_cloud.testing import FakeHathora
assert by_path is builds_v3_get_build
"""
    _modules_after(statement)


def test_funcs_attribute_stays_the_function() -> None:
    """After importing an operation's module, hathora_cloud.funcs.<name> is still the function."""
    loaded = _modules_after(
        "import hathora_cloud.funcs.builds_v3_get_build\n"
        "import hathora_cloud.funcs as funcs, inspect\n"
        "assert inspect.iscoroutinefunction(funcs.builds_v3_get_build)\n"
        "import hathora_cloud.sdk\n"
        "assert inspect.iscoroutinefunction(funcs.builds_v3_run_build)"
    )
    assert "hathora_cloud.sdk" in loaded


def test_the_sdk_logger_has_a_null_handler() -> None:
    """Importing the SDK gives its logger a NullHandler, so it never prints on its own."""
    _modules_after(
        "import logging, hathora_cloud\n"
        "handlers = logging.getLogger('hathora_cloud').handlers\n"
        "assert any(isinstance(h, logging.NullHandler) for h in handlers), handlers"
    )
