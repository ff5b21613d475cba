"""Helpers for the upload security tests: a raw multipart encoder and checks on stored attachments."""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
from pathlib import Path
from typing import Iterable

from django.conf import settings
from PIL import Image

from .corpus import PAYLOAD_MARKERS, UploadCase

STORED_NAME = re.compile(r"attachments/[0-9a-f]{4}/[A-Za-z0-9_-]{32}\.(png|jpg)")
PNG_END = b"IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"


def _escape_filename(name: str | bytes) -> bytes:
    """Encode a file name as browsers do in multipart (WHATWG: only '"', CR and LF are escaped).

    Anything else (NUL, RTL override, '../', 300 characters) reaches the server as sent.
    """
    raw = name.encode("utf-8") if isinstance(name, str) else name
    return raw.replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")


def multipart(fields: dict[str, str], files: Iterable[tuple[str, str | bytes, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so file names are NOT cleaned by Django's test client.

    ``files``: (field name, file name, content type, content). Returns (body, content type header).
    """
    boundary = "----hostile" + secrets.token_hex(12)
    out = io.BytesIO()
    for key, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode())
        out.write(value.encode("utf-8") + b"\r\n")
    for key, filename, content_type, content in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="'.encode())
        out.write(_escape_filename(filename) + b'"\r\n')
        out.write(f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def case_files(case: UploadCase, count: int = 1, field: str = "screenshots"):
    data = case.make_bytes()
    return [(field, case.filename, case.content_type, data) for _ in range(count)]


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_inside_media_root(path: str) -> None:
    root = os.path.realpath(settings.MEDIA_ROOT)
    real = os.path.realpath(path)
    assert os.path.commonpath([root, real]) == root and real != root, (root, real)


def assert_clean_display_name(name: str) -> None:
    assert len(name) <= 100, len(name)
    assert not any(ch in name for ch in "/\\\x00\r\n<>\"'"), repr(name)
    assert ".." not in name.split("/")


def assert_stored_safely(attachment, case: UploadCase | None = None, *, check_payload: bool = True) -> None:
    """The stored file and thumbnail are ours: random names under MEDIA_ROOT, re-encoded PNG/JPEG, no extras."""
    assert attachment.content_type in ("image/png", "image/jpeg")
    assert_clean_display_name(attachment.original_name)
    stem = (case.filename.rsplit(".", 1)[0] if case else "").strip("./\\")
    for field, content_type in ((attachment.file, attachment.content_type), (attachment.thumbnail, "image/jpeg")):
        assert STORED_NAME.fullmatch(field.name), field.name
        if len(stem) >= 4:
            assert stem not in field.name
        assert_inside_media_root(field.path)
        data = Path(field.path).read_bytes()
        with Image.open(io.BytesIO(data)) as stored:
            stored.load()
            fmt, size, mode = stored.format, stored.size, stored.mode
            exif = stored.getexif()
            info_keys = set(stored.info)
        assert fmt == {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type], (fmt, content_type)
        assert mode in ("RGB", "L"), mode
        assert data.endswith(PNG_END if fmt == "PNG" else JPEG_END), "trailing bytes after the image end"
        assert len(exif) == 0, dict(exif)
        assert not info_keys & {"exif", "xmp", "Comment", "Description"}, info_keys
        if check_payload:
            for marker in PAYLOAD_MARKERS:
                assert marker not in data, f"{marker!r} survived re-encoding into {field.name}"
        if field is attachment.file:
            assert size == (attachment.width, attachment.height)
            assert hashlib.sha256(data).hexdigest() == attachment.sha256
            assert attachment.size_bytes == len(data)
            if case is not None and case.size is not None:
                assert size == case.size, size
        else:
            assert max(size) <= settings.SUPPORTDESK_THUMBNAIL_SIZE


def assert_stored_payload_free(attachment) -> None:
    for field in (attachment.file, attachment.thumbnail):
        data = Path(field.path).read_bytes()
        for marker in PAYLOAD_MARKERS:
            assert marker not in data, f"{marker!r} survived re-encoding into {field.name}"
        with Image.open(io.BytesIO(data)) as stored:
            assert "comment" not in stored.info, stored.info.get("comment")
