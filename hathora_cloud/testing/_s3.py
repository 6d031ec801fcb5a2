"""The S3 side of the emulator: presigned UploadPart PUTs and CompleteMultipartUpload."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import secrets
import shutil
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from aiohttp import hdrs, web

from ._context import EMULATOR_KEY, Emulator, note_body_length
from ._state import PartInfo, UploadState
from ._wire import UNREADABLE_BODY, BodyError, read_body

MAX_PART_SIZE = 5 * 1024**3
"""S3's largest part, in bytes: a bigger ``Content-Length`` is refused with EntityTooLarge."""
MAX_COMPLETE_BODY = 4 * 1024 * 1024
"""The largest CompleteMultipartUpload document read (bigger: MaxMessageLengthExceeded)."""
_READ_CHUNK = 256 * 1024
_PART_NUMBER = re.compile(r"[0-9]+")
_MESSAGES = {
    "AccessDenied": "Request has expired",
    "SignatureDoesNotMatch": "The request signature we calculated does not match the signature"
    " you provided. Check your key and signing method.",
    "InvalidArgument": "Only one auth mechanism allowed; only the X-Amz-Algorithm query"
    " parameter, Signature query string parameter or the Authorization header should be"
    " specified",
    "NotImplemented": "A header you provided implies functionality that is not implemented",
    "MissingContentLength": "You must provide the Content-Length HTTP header.",
    "EntityTooLarge": "Your proposed upload exceeds the maximum allowed size",
    "EntityTooSmall": "Your proposed upload is smaller than the minimum allowed size",
    "IncompleteBody": "You did not provide the number of bytes specified by the Content-Length"
    " HTTP header",
    "NoSuchUpload": "The specified upload does not exist. The upload ID may be invalid, or the"
    " upload may have been aborted or completed.",
    "MaxMessageLengthExceeded": "Your request was too big.",
    "MalformedXML": "The XML you provided was not well-formed or did not validate against our"
    " published schema",
    "InvalidPartOrder": "The list of parts was not in ascending order. The parts list must be"
    " specified in order by part number.",
    "InvalidPart": "One or more of the specified parts could not be found.  The part may not"
    " have been uploaded, or the specified entity tag may not match the part's entity tag.",
    "InternalError": "We encountered an internal error. Please try again.",
}
_S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def s3_error_xml(code: str, message: str | None = None, **extra: str | int) -> str:
    """Return an S3 ``<Error>`` document for ``code``."""
    text = message if message is not None else _MESSAGES.get(code, code)
    fields = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in extra.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(text)}</Message>{fields}"
        f"<RequestId>{secrets.token_hex(8).upper()}</RequestId>"
        f"<HostId>{secrets.token_urlsafe(24)}</HostId></Error>"
    )


def s3_error(
    status: int, code: str, message: str | None = None, **extra: str | int
) -> web.Response:
    """Return an S3-style XML error response."""
    body = s3_error_xml(code, message, **extra)
    return web.Response(status=status, text=body, content_type="application/xml")


def _reject_common(emulator: Emulator, request: web.Request) -> web.Response | None:
    """Apply the checks every presigned request gets: one auth mechanism, signature, expiry."""
    if hdrs.AUTHORIZATION in request.headers:
        return s3_error(400, "InvalidArgument", ArgumentName="Authorization")
    problem = emulator.check_presigned(request)
    if problem == "SignatureDoesNotMatch":
        return s3_error(403, problem)
    if problem == "AccessDenied":
        return s3_error(403, problem, Expires=request.query.get("X-Amz-Date", ""))
    return None


def _find_upload(emulator: Emulator, request: web.Request) -> UploadState | None:
    upload = emulator.uploads.get(request.match_info["upload_id"])
    build = None if upload is None else emulator.live_build(upload.build_id)
    return upload if build is not None else None


def _check_part_headers(
    request: web.Request, upload: UploadState, number: int
) -> web.Response | None:
    """Validate the framing of a part PUT before reading its body (S3 judges sizes later)."""
    if not 1 <= number <= upload.part_count:
        message = f"Part number must be an integer between 1 and {upload.part_count}"
        return s3_error(400, "InvalidArgument", message, ArgumentName="partNumber")
    if "chunked" in request.headers.get(hdrs.TRANSFER_ENCODING, "").lower():
        return s3_error(501, "NotImplemented", Header="Transfer-Encoding")
    length = request.content_length
    if length is None:
        return s3_error(411, "MissingContentLength")
    if length > MAX_PART_SIZE:
        return s3_error(400, "EntityTooLarge", ProposedSize=length, MaxSizeAllowed=MAX_PART_SIZE)
    return None


async def handle_upload_part(request: web.Request) -> web.StreamResponse:
    """Handle ``PUT /_s3/uploads/{upload_id}/parts/{part}`` like S3 UploadPart.

    Any size up to 5 GiB is accepted here; like S3, part sizes are judged by the completion.
    """
    emulator = request.app[EMULATOR_KEY]
    rejected = _reject_common(emulator, request)
    if rejected is not None:
        return rejected
    upload = _find_upload(emulator, request)
    if upload is None or upload.completed:
        return s3_error(404, "NoSuchUpload")
    number = int(request.match_info["part"])
    rejected = _check_part_headers(request, upload, number)
    if rejected is not None:
        return rejected
    part = await _store_part(request, upload, number)
    if part is None:
        return s3_error(400, "IncompleteBody")
    previous = upload.parts.get(number)
    upload.parts[number] = part
    if previous is not None:
        await asyncio.to_thread(previous.path.unlink, missing_ok=True)
    return web.Response(status=200, headers={hdrs.ETAG: part.etag})


async def _store_part(request: web.Request, upload: UploadState, number: int) -> PartInfo | None:
    """Stream the body to a new file in chunks; return ``None`` if it was cut short."""
    path = upload.directory / f"part-{number:05d}-{secrets.token_hex(4)}"
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    complete = True
    handle = await asyncio.to_thread(path.open, "wb")
    try:
        async for chunk in request.content.iter_chunked(_READ_CHUNK):
            digest.update(chunk)
            received += len(chunk)
            await asyncio.to_thread(handle.write, chunk)
    except UNREADABLE_BODY:
        complete = False
    except BaseException:
        await asyncio.to_thread(handle.close)
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    await asyncio.to_thread(handle.close)
    note_body_length(received)
    if not complete or received != request.content_length:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        return None
    return PartInfo(number=number, size=received, etag=f'"{digest.hexdigest()}"', path=path)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_complete_body(body: bytes) -> list[tuple[int, str]] | None:
    """Parse a CompleteMultipartUpload document into ``(part number, ETag)`` pairs.

    Returns:
        The pairs in document order, or ``None`` if the XML is malformed (including a
        non-integer ``PartNumber`` such as ``1.0``).
    """
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, ValueError, LookupError):  # also unknown encodings
        return None
    if _local_name(root.tag) != "CompleteMultipartUpload":
        return None
    pairs: list[tuple[int, str]] = []
    for element in root:
        fields = {_local_name(child.tag): (child.text or "").strip() for child in element}
        number = fields.get("PartNumber")
        if _local_name(element.tag) != "Part" or number is None or "ETag" not in fields:
            return None
        if _PART_NUMBER.fullmatch(number) is None or len(number) > 9:
            return None
        pairs.append((int(number), fields["ETag"]))
    return pairs or None


def _check_parts(
    upload: UploadState, pairs: list[tuple[int, str]], min_part_size: int
) -> web.Response | None:
    """Return S3's 400 answer if ``pairs`` cannot complete the upload, else ``None``.

    Like S3: the list must ascend, every listed part must exist with that ETag, and every part
    but the last must hold at least ``min_part_size`` bytes. Unlisted parts are simply left out.
    """
    numbers = [number for number, _ in pairs]
    if any(later <= earlier for earlier, later in itertools.pairwise(numbers)):
        return s3_error(400, "InvalidPartOrder")
    for number, etag in pairs:
        part = upload.parts.get(number)
        if part is None or part.etag.strip('"') != etag.strip('"') or not etag.strip('"'):
            return s3_error(400, "InvalidPart")
    for number, _ in pairs[:-1]:
        part = upload.parts[number]
        if part.size < min_part_size:
            return s3_error(
                400,
                "EntityTooSmall",
                ProposedSize=part.size,
                MinSizeAllowed=min_part_size,
                PartNumber=number,
                ETag=part.etag.strip('"'),
            )
    return None


def _assemble(upload: UploadState, numbers: list[int]) -> tuple[str, int]:
    """Concatenate the listed parts into the tarball on disk; return the ETag and the size."""
    digests = b""
    with upload.tarball_path.open("wb") as target:
        for number in numbers:
            part = upload.parts[number]
            digests += bytes.fromhex(part.etag.strip('"'))
            with part.path.open("rb") as source:
                shutil.copyfileobj(source, target, _READ_CHUNK)
        size = target.tell()
    combined = hashlib.md5(digests, usedforsecurity=False).hexdigest()
    return f'"{combined}-{len(numbers)}"', size


def _complete_result(request: web.Request, upload: UploadState) -> web.Response:
    key = f"builds/{upload.build_id}.tgz"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<CompleteMultipartUploadResult xmlns="{_S3_NS}">'
        f"<Location>{escape(str(request.url.with_query(None)))}</Location>"
        f"<Bucket>hathora-fake-builds</Bucket><Key>{escape(key)}</Key>"
        f"<ETag>{escape(upload.completed_etag or '')}</ETag></CompleteMultipartUploadResult>"
    )
    return web.Response(status=200, text=body, content_type="application/xml")


async def handle_complete(request: web.Request) -> web.StreamResponse:
    """Handle ``POST /_s3/uploads/{upload_id}/complete`` like S3 CompleteMultipartUpload."""
    emulator = request.app[EMULATOR_KEY]
    rejected = _reject_common(emulator, request)
    if rejected is not None:
        return rejected
    upload = _find_upload(emulator, request)
    if upload is None:
        return s3_error(404, "NoSuchUpload")
    try:
        body = await read_body(request, MAX_COMPLETE_BODY)
    except BodyError as exc:
        return s3_error(400, "MaxMessageLengthExceeded" if exc.status == 413 else "IncompleteBody")
    if emulator.complete_error is not None:
        # S3 may report a failed completion as 200 with an <Error> document.
        xml = s3_error_xml(emulator.complete_error)
        return web.Response(status=200, text=xml, content_type="application/xml")
    if upload.completed:
        return _complete_result(request, upload)
    pairs = parse_complete_body(body)
    if pairs is None:
        return s3_error(400, "MalformedXML")
    problem = _check_parts(upload, pairs, emulator.config.min_part_size)
    if problem is not None:
        return problem
    numbers = [number for number, _ in pairs]
    upload.completed_etag, upload.assembled_size = await asyncio.to_thread(
        _assemble, upload, numbers
    )
    upload.completed_parts = tuple(numbers)
    upload.completed = True
    return _complete_result(request, upload)
