"""Connection options on the core: proxy, TLS (CA bundle, context, off) and trust_env."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from hathora_cloud import Err, HathoraCloudCore, Ok, RetryConfig
from hathora_cloud.errors import HTTPConnectionError
from hathora_cloud.funcs import builds_v3_get_builds

pytestmark = pytest.mark.anyio

_PAGE = b'{"builds": []}'


class _Proxy:
    """A forward HTTP proxy double: records the request line and answers for the origin."""

    def __init__(self) -> None:
        self.request_lines: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        self.request_lines.append(head[0])
        self.headers.append(dict(line.split(": ", 1) for line in head[1:] if ": " in line))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(_PAGE), _PAGE)
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()


@pytest.fixture
async def proxy() -> AsyncIterator[_Proxy]:
    double = _Proxy()
    server = await asyncio.start_server(double.handle, "127.0.0.1", 0)
    double.port = server.sockets[0].getsockname()[1]
    yield double
    server.close()
    await server.wait_closed()


async def test_proxy_option_sends_requests_through_the_proxy(proxy: _Proxy) -> None:
    """With proxy=, the request goes to the proxy in absolute form, token and all."""
    async with HathoraCloudCore(
        hathora_dev_token="tok",
        server_url="http://api.hathora.invalid",
        proxy=f"http://127.0.0.1:{proxy.port}",
    ) as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Ok)
    assert proxy.request_lines == ["GET http://api.hathora.invalid/builds/v3/builds HTTP/1.1"]
    assert proxy.headers[0]["Authorization"] == "Bearer tok"


async def test_trust_env_reads_the_proxy_from_the_environment(
    proxy: _Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """trust_env=True honours HTTP_PROXY; the default ignores it."""
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with HathoraCloudCore(
        hathora_dev_token="tok", server_url="http://api.hathora.invalid", trust_env=True
    ) as core:
        assert isinstance(await builds_v3_get_builds(core), Ok)
    async with HathoraCloudCore(
        hathora_dev_token="tok",
        server_url="http://api.hathora.invalid",
        retry_config=RetryConfig(strategy="none"),
    ) as core:
        ignored = await builds_v3_get_builds(core)
    assert isinstance(ignored, Err)
    assert len(proxy.request_lines) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_url(certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    async def page(_: web.Request) -> web.Response:
        return web.Response(body=_PAGE, content_type="application/json")

    app = web.Application()
    app.router.add_get("/builds/v3/builds", page)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    yield f"https://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def test_untrusted_certificate_is_a_connection_error(tls_url: str) -> None:
    """By default a self-signed certificate fails verification: Err(HTTPConnectionError)."""
    async with HathoraCloudCore(hathora_dev_token="tok", server_url=tls_url) as core:
        result = await builds_v3_get_builds(core)
    assert isinstance(result, Err)
    assert isinstance(result.error, HTTPConnectionError)
    assert "certificate" in str(result.error).lower()
    assert result.meta is not None
    assert result.meta.attempts == 1  # retrying cannot make a certificate trusted


async def test_ca_bundle_path_trusts_the_certificate(
    tls_url: str, certificate: tuple[Path, Path]
) -> None:
    """ssl= a CA bundle path makes the corporate certificate trusted."""
    cert, _ = certificate
    async with HathoraCloudCore(hathora_dev_token="tok", server_url=tls_url, ssl=str(cert)) as core:
        assert isinstance(await builds_v3_get_builds(core), Ok)


async def test_ssl_context_and_false_are_honoured(
    tls_url: str, certificate: tuple[Path, Path]
) -> None:
    """ssl= an SSLContext is used as given; ssl=False skips verification."""
    context = ssl.create_default_context(cafile=str(certificate[0]))
    async with HathoraCloudCore(hathora_dev_token="tok", server_url=tls_url, ssl=context) as core:
        assert isinstance(await builds_v3_get_builds(core), Ok)
    async with HathoraCloudCore(hathora_dev_token="tok", server_url=tls_url, ssl=False) as core:
        assert isinstance(await builds_v3_get_builds(core), Ok)
