"""The re-encoded screenshot: same pixels, our fast writer (issue 13: the re-encode was most of an intake request)."""
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


def _chunk_kinds(data: bytes) -> list[bytes]:
    kinds, offset = [], 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        kinds.append(kind)
        offset += 12 + length
    return kinds


def test_png_is_re_encoded_by_the_fast_writer_with_the_same_pixels_and_nothing_else():
    original = _screenshot_png()
    clean = uploads.clean_screenshot(SimpleUploadedFile("shot.png", original, content_type="image/png"))
    assert clean.content_type == "image/png"
    assert _zlib_level_of_png(clean.content) == 1  # zlib level 2 writes FLEVEL 1; Pillow's default (6) FLEVEL 2
    assert _chunk_kinds(clean.content) == [b"IHDR", b"IDAT", b"IEND"]  # no metadata of the upload survives
    stored, sent = Image.open(io.BytesIO(clean.content)), Image.open(io.BytesIO(original))
    assert stored.tobytes() == sent.convert("RGB").tobytes()


def test_thumbnail_is_what_pillows_thumbnail_gives_without_copying_the_image():
    for width, height in [(1366, 768), (390, 844), (5000, 3), (3, 5000), (320, 200)]:
        image = Image.linear_gradient("L").convert("RGB").resize((width, height))
        expected = image.copy()
        expected.thumbnail((320, 320))
        thumb = uploads._thumbnail(image, 320)
        assert thumb.size == expected.size
        assert thumb.tobytes() == expected.tobytes()
