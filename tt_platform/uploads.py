"""What an uploaded file is, judged by its content rather than its name (ASVS 12.2.1).

A file named plan.pdf must start like a PDF; an Office or image file like its format; a text file must
decode as text. The upload services check the name's extension against their own allow-list first,
then this, so HTML, a script or an executable renamed to an allowed extension is refused. (Files are
always served as downloads with nosniff besides: this is the second line, not the only one.)
"""
from __future__ import annotations

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  #: OOXML (docx, xlsx, pptx) and zip archives
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  #: legacy Office (doc, xls, ppt)

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
