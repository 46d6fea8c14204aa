"""What an uploaded file is, judged by its content rather than its name (ASVS 12.2.1).

A file named plan.pdf must start like a PDF; an Office or image file like its format; a text file must
decode as text. The upload services check the name's extension against their own allow-list first,
then this, so HTML, a script or an executable renamed to an allowed extension is refused. (Files are
always served as downloads with nosniff besides: this is the second line, not the only one.)
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

log = logging.getLogger(__name__)

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  #: OOXML (docx, xlsx, pptx) and zip archives
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  #: legacy Office (doc, xls, ppt)

#: extension → the type a stored file is served as
CONTENT_TYPES = {
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".txt": "text/plain",
    ".dwg": "application/acad", ".dxf": "application/dxf", ".zip": "application/zip",
}


def allow(*suffixes: str) -> dict[str, str]:
    """An upload service's allow-list: the named extensions with the types they are served as."""
    return {suffix: CONTENT_TYPES[suffix] for suffix in suffixes}


#: documents, spreadsheets, slides, scans and images, text: what cases and applications carry
OFFICE_DOCUMENTS = allow(".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".png", ".jpg", ".jpeg", ".txt")
#: the largest upload the services take, bytes
MAX_BYTES = 5 * 1024 * 1024

#: extension → the byte strings a file of that type starts with
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".docx": _ZIP, ".xlsx": _ZIP, ".pptx": _ZIP, ".zip": _ZIP,
    ".doc": _OLE, ".xls": _OLE, ".ppt": _OLE,
    ".dwg": (b"AC10",),
}
#: extensions whose files are plain text (UTF-8 or GB18030)
TEXT = {".txt", ".csv", ".dxf", ".md"}


def content_matches(suffix: str, data: bytes) -> bool:
    """Whether `data` looks like a file of type `suffix` (lower case, with the dot)."""
    suffix = suffix.lower()
    if suffix in TEXT:
        if b"\x00" in data:
            return False
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return True
        return False
    signatures = SIGNATURES.get(suffix)
    return signatures is not None and data.startswith(signatures)


class UploadRefused(Exception):
    """A user-facing reason an uploaded file is not taken; each service re-raises it as its own error."""


@dataclass(frozen=True)
class Upload:
    """A file that passed `accept`: its cleaned name, declared type and bytes."""

    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def accept(filename: str | None, data: bytes, allowed: Mapping[str, str], *, types_message: str,
           max_bytes: int) -> Upload:
    """The checks every upload service makes: a name (never a path: only its last part is kept, 200
    characters at most) with an allowed extension, some bytes, at most `max_bytes` of them, and content
    that is what the extension says. Raises UploadRefused with the message to show."""
    name = Path(filename or "").name.strip()[:200]
    suffix = Path(name).suffix.lower()
    if not name or suffix not in allowed:
        raise UploadRefused(types_message)
    if not data:
        raise UploadRefused(_("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRefused(_("Files may have at most %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not content_matches(suffix, data):
        raise UploadRefused(_("The file's content is not what its name says (%(suffix)s).", suffix=suffix))
    return Upload(name, allowed[suffix], data)


class StorageUnavailable(Exception):
    """The upload directory cannot take the file (disk full, quota, read-only, missing permission): the
    request answers 503 with a message and writes nothing (see `errors`)."""


def store(upload: Upload, upload_dir: Path) -> str:
    """Write the bytes under a random name in `upload_dir` (never the user's name); returns that name.
    Written before the row that points to it: a failed commit leaves an orphan file, never a row without
    bytes."""
    stored = uuid.uuid4().hex
    write_file(upload_dir / stored, upload.data)
    return stored


def write_file(path: Path, data: bytes) -> None:
    """Write an uploaded file, all or nothing: when the disk is full (or the directory is not writable) the
    part written is removed, the cause is logged and StorageUnavailable raised, so the request stops before
    its commit and no row points to a truncated file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        log.error("upload not stored in %s (%d bytes): %s — free space or fix the directory (TT_UPLOAD_DIR)",
                  path.parent, len(data), exc)
        raise StorageUnavailable(str(exc)) from exc
