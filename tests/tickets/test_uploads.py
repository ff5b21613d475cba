"""The re-encoded screenshot: same pixels, fast zlib level (issue 13: the re-encode was most of an intake request)."""
import io
import struct

from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import uploads


def _screenshot_png() -> bytes:
    image = Image.new("RGB", (640, 360), "white")
    for y in range(0, 360, 12):  # rows of "text": something to compress
        for x in range(0, 640, 7):
            image.putpixel((x, y), (20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _zlib_level_of_png(data: bytes) -> int:
    """FLEVEL of the first IDAT's zlib header: 0 = fastest (levels 0-1), 1 = fast, 2 = default (6), 3 = best."""
    offset = 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            return data[offset + 9] >> 6
        offset += 12 + length
    raise AssertionError("no IDAT chunk")


def test_png_is_re_encoded_at_the_fast_level_with_the_same_pixels():
    original = _screenshot_png()
    clean = uploads.clean_screenshot(SimpleUploadedFile("shot.png", original, content_type="image/png"))
    assert clean.content_type == "image/png"
    assert _zlib_level_of_png(clean.content) == 0  # Pillow's default (6) writes FLEVEL 2
    assert uploads.PNG_COMPRESS_LEVEL == 1
    stored, sent = Image.open(io.BytesIO(clean.content)), Image.open(io.BytesIO(original))
    assert stored.tobytes() == sent.convert("RGB").tobytes()
