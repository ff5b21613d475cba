"""load_image: formats, conversions, size limits and every kind of bad upload -> a clear ImageError."""
from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from PIL import Image

from classifier.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    NotAnImageError,
)
from classifier.runtime.images import load_image


def encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png_with_header(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims width x height (a decompression bomb header)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


class FakeUpload(io.BytesIO):
    """Looks like a Django UploadedFile: read/seek and a .size attribute."""

    def __init__(self, data: bytes, name: str = "shot.png"):
        super().__init__(data)
        self.size = len(data)
        self.name = name


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF"])
def test_supported_formats_load_as_rgb(tmp_path, fmt):
    path = tmp_path / f"shot.{fmt.lower()}"
    path.write_bytes(encode(Image.new("RGB", (64, 40), (200, 10, 10)), fmt))
    im = load_image(str(path))
    assert im.mode == "RGB"
    assert im.size == (64, 40)
    r, g, b = im.getpixel((5, 5))
    assert r > 150 and g < 80  # colours survive


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "CMYK", "I;16", "L", "1"])
def test_modes_are_converted_to_rgb(mode):
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    im = Image.new(mode, (20, 10))
    assert load_image(io.BytesIO(encode(im, fmt))).mode == "RGB"


def test_transparency_is_flattened_on_white():
    im = Image.new("RGBA", (10, 10), (255, 0, 0, 0))  # fully transparent red
    assert load_image(io.BytesIO(encode(im, "PNG"))).getpixel((3, 3)) == (255, 255, 255)


def test_sixteen_bit_grayscale_keeps_contrast():
    im = Image.new("I;16", (10, 10), 65535)
    out = load_image(io.BytesIO(encode(im, "PNG")))
    assert out.getpixel((1, 1))[0] > 240


def test_exif_orientation_is_applied():
    im = Image.new("RGB", (60, 30), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    data = encode(im, "JPEG", exif=exif.tobytes())
    assert load_image(io.BytesIO(data)).size == (30, 60)


def test_gif_first_frame():
    frames = [Image.new("RGB", (16, 16), c) for c in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out = load_image(io.BytesIO(buf.getvalue()))
    r, g, b = out.getpixel((2, 2))
    assert r > 200 and b < 50


def test_upload_like_object_is_read_and_rewound():
    upload = FakeUpload(encode(Image.new("RGB", (30, 20)), "PNG"))
    upload.seek(7)  # the desk may have peeked already
    assert load_image(upload).size == (30, 20)
    assert upload.tell() == 0


def test_size_is_checked_before_reading():
    class Huge(FakeUpload):
        def read(self, *a):
            raise AssertionError("must not read an oversized upload")

    upload = Huge(b"x" * 10)
    upload.size = 50 * 1024 * 1024
    with pytest.raises(ImageTooLargeError):
        load_image(upload)


def test_bytes_limit_on_path(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(encode(Image.new("RGB", (300, 300)), "PNG"))
    with pytest.raises(ImageTooLargeError, match="too large"):
        load_image(str(path), max_bytes=100)


def test_pixel_limit():
    with pytest.raises(ImageTooLargeError):
        load_image(io.BytesIO(encode(Image.new("RGB", (200, 200)), "PNG")), max_pixels=100 * 100)


def test_decompression_bomb_header_fails_fast(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_with_header(30000, 30000))
    start = time.perf_counter()
    with pytest.raises(ImageTooLargeError) as info:
        load_image(str(path))
    assert time.perf_counter() - start < 2.0
    assert "too large" in str(info.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(EmptyImageError, match="empty"):
        load_image(str(path))
    with pytest.raises(EmptyImageError):
        load_image(FakeUpload(b""))


def test_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture, just text\n" * 20)
    with pytest.raises(NotAnImageError) as info:
        load_image(str(path))
    assert "PNG, JPEG, WEBP or GIF" in str(info.value)


def test_unsupported_format_is_rejected():
    with pytest.raises(NotAnImageError):
        load_image(io.BytesIO(encode(Image.new("RGB", (10, 10)), "BMP")))


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file(fmt):
    im = Image.effect_noise((400, 300), 64).convert("RGB")
    data = encode(im, fmt)
    start = time.perf_counter()
    with pytest.raises(CorruptImageError, match="damaged or incomplete"):
        load_image(io.BytesIO(data[: len(data) // 2]))
    assert time.perf_counter() - start < 2.0


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(NotAnImageError, match="does not exist"):
        load_image(str(tmp_path / "nope.png"))
    with pytest.raises(ImageError):
        load_image(str(tmp_path))


def test_errors_are_value_errors_with_sentences():
    for cls in (EmptyImageError, NotAnImageError, CorruptImageError, ImageTooLargeError):
        err = cls()
        assert isinstance(err, ValueError) and isinstance(err, ImageError)
        assert str(err)[0].isupper() and str(err).endswith(".")
