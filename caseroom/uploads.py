"""Checking uploaded files: the type comes from the content, not from the name or the browser."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, MultiPartParser

from core.exceptions import ServiceError

# content type -> extensions that may carry it
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "text/plain": (".txt",),
}


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A PDF ends with "startxref", the offset of its cross-reference table and "%%EOF"; readers
# look for that trailer in the last kilobyte.
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
PDF_TRAILER = re.compile(rb"startxref\s+([0-9]+)\s+%%EOF")
PDF_TAIL = 1024


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def _intact_png(data: bytes) -> bool:
    """Every chunk fits in the file and its checksum holds; the first chunk is IHDR, the
    last IEND, and nothing follows it."""
    position, first, kind = len(PNG_SIGNATURE), None, b""
    while kind != b"IEND":
        if position + 12 > len(data):
            return False
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if end > len(data):
            return False
        kind = data[position + 4 : position + 8]
        if zlib.crc32(data[position + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            return False
        first = first or kind
        position = end
    return first == b"IHDR" and position == len(data)


def _intact_pdf(data: bytes) -> bool:
    """The header names a version and the trailer ends the file (a cut-off PDF has none)
    with an offset inside the file."""
    trailers = list(PDF_TRAILER.finditer(data[-PDF_TAIL:]))
    return (
        PDF_HEADER.match(data) is not None
        and bool(trailers)
        and 0 < int(trailers[-1].group(1)) < len(data)
    )


def intact(content_type: str, data: bytes) -> bool:
    """Whether a file of a recognised type is whole: not cut off, not damaged."""
    if content_type == "image/png":
        return _intact_png(data)
    if content_type == "application/pdf":
        return _intact_pdf(data)
    # Word and Excel: a cut-off archive has no directory and is refused by sniff() already.
    # JPEG: phones append data after the end marker, so its absence proves too little.
    return True


def too_large(name: str) -> ServiceError:
    limit = settings.ATTACHMENT_MAX_BYTES
    return ServiceError(
        _("%(name)s is te groot: maximaal %(megabytes)s MB.")
        % {"name": name, "megabytes": limit // (1024 * 1024)},
        code="file_too_large",
        field="files",
    )


def check_upload(*, filename: str, data: bytes, declared_type: str = "") -> CheckedFile:
    """Accept a file only when its content is an allowed type that matches its name and the
    declared type, is whole (not cut off or damaged) and is not too large. Errors name the
    file, never its content."""
    name = PurePath(filename or "").name.strip()
    if not name:
        raise ServiceError(_("Het bestand heeft geen naam."), code="invalid_file", field="files")
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise too_large(name)
    if not data:
        raise ServiceError(
            _("%(name)s is leeg.") % {"name": name}, code="invalid_file", field="files"
        )
    actual = sniff(data)
    if actual is None:
        raise ServiceError(
            _(
                "%(name)s: dit soort bestand wordt niet geaccepteerd (toegestaan: PDF, PNG, "
                "JPEG, Word, Excel en platte tekst)."
            )
            % {"name": name},
            code="file_type_not_allowed",
            field="files",
        )
    suffix = PurePath(name).suffix.lower()
    declared = declared_type.split(";")[0].strip().lower()
    generic = {"", "application/octet-stream"}
    if suffix not in ALLOWED[actual] or (declared not in generic and declared != actual):
        raise ServiceError(
            _("%(name)s: de inhoud past niet bij de naam of het opgegeven bestandstype.")
            % {"name": name},
            code="file_type_mismatch",
            field="files",
        )
    if not intact(actual, data):
        raise ServiceError(
            _(
                "%(name)s is beschadigd of onvolledig (bijvoorbeeld doordat het opslaan of "
                "versturen werd afgebroken). Sla het bestand opnieuw op en probeer het nog eens."
            )
            % {"name": name},
            code="file_corrupt",
            field="files",
        )
    return CheckedFile(filename=name, content_type=actual, data=data)


# --- receiving uploads ----------------------------------------------------------------------

REFUSED_UPLOAD = "_casusregie_refused_upload"
TOGETHER = "\x00together"  # the files of one request together passed their limit (no file name)


class AttachmentUploadHandler(FileUploadHandler):
    """The only upload handler (settings.FILE_UPLOAD_HANDLERS). Django's own handlers spool
    a large file to a temporary file, where it would lie on disk unencrypted; this one keeps
    every file in memory and stops the upload as soon as a file passes the attachment
    limit. What was read of that file is dropped, and the request remembers the refusal
    (``upload_refusal``), so the view answers with a clear error and stores nothing."""

    received = 0  # bytes of all files of this request (one handler per request)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if start + len(raw_data) > settings.ATTACHMENT_MAX_BYTES:
            self._refuse(PurePath(self.file_name or "").name)
        if self.received > settings.ATTACHMENT_REQUEST_MAX_BYTES:
            self._refuse(TOGETHER)
        self.buffer.write(raw_data)
        return None

    def _refuse(self, name: str) -> None:
        self.buffer = io.BytesIO()
        setattr(self.request, REFUSED_UPLOAD, name)
        # Nothing after this is parsed or kept. Django drains the rest of the body (capped
        # by the proxy) so that the browser receives the answer.
        raise StopUpload(connection_reset=False)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def upload_refusal(request: object) -> ServiceError | None:
    """The error for a file that was too large to receive in this request, if there was
    one. Ask after the request body was read (``request.POST``, ``request.data``)."""
    name = getattr(request, REFUSED_UPLOAD, None)
    if name == TOGETHER:
        return ServiceError(
            _("De bestanden zijn samen te groot: maximaal %(megabytes)s MB per keer.")
            % {"megabytes": settings.ATTACHMENT_REQUEST_MAX_BYTES // (1024 * 1024)},
            code="files_too_large",
            field="files",
        )
    return too_large(name) if name is not None else None


class FieldsOnlyMultiPartParser(MultiPartParser):
    """The API's multipart parser wherever files are not taken (everywhere but the
    contributions, which name ``MultiPartParser`` themselves): a form's fields are read as
    usual, and a request that carries a file is refused as a whole. Otherwise the file would
    be ignored, or, past the attachment limit, stop the parsing and silently drop the fields
    after it."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> DataAndFiles[Any, Any]:
        parsed = super().parse(stream, media_type, parser_context)
        request = getattr((parser_context or {}).get("request"), "_request", None)
        if parsed.files or getattr(request, REFUSED_UPLOAD, None) is not None:
            raise ParseError(
                _("Hier kunnen geen bestanden worden meegestuurd."), code="files_not_accepted"
            )
        return parsed
