"""Checking uploaded files: the type comes from the content, not from the name or the browser."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

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


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
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


def check_upload(*, filename: str, data: bytes, declared_type: str = "") -> CheckedFile:
    """Accept a file only when its content is an allowed type that matches its name and the
    declared type, and it is not too large. Errors name the file, never its content."""
    name = PurePath(filename or "").name.strip()
    if not name:
        raise ServiceError("Het bestand heeft geen naam.", code="invalid_file", field="files")
    limit = settings.ATTACHMENT_MAX_BYTES
    if len(data) > limit:
        raise ServiceError(
            f"{name} is te groot: maximaal {limit // (1024 * 1024)} MB.",
            code="file_too_large",
            field="files",
        )
    if not data:
        raise ServiceError(f"{name} is leeg.", code="invalid_file", field="files")
    actual = sniff(data)
    if actual is None:
        raise ServiceError(
            f"{name}: dit soort bestand wordt niet geaccepteerd (toegestaan: PDF, PNG, JPEG, "
            "Word, Excel en platte tekst).",
            code="file_type_not_allowed",
            field="files",
        )
    suffix = PurePath(name).suffix.lower()
    declared = declared_type.split(";")[0].strip().lower()
    generic = {"", "application/octet-stream"}
    if suffix not in ALLOWED[actual] or (declared not in generic and declared != actual):
        raise ServiceError(
            f"{name}: de inhoud past niet bij de naam of het opgegeven bestandstype.",
            code="file_type_mismatch",
            field="files",
        )
    return CheckedFile(filename=name, content_type=actual, data=data)
