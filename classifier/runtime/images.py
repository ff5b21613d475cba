"""Safe image loading for screenshots sent by students.

``load_image`` is used by the desk to validate uploads and by the classifier to read them. It
checks the byte size before reading, restricts decoders to PNG/JPEG/WEBP/GIF, rejects
decompression bombs from the header (before decoding any pixel), fully decodes the image (so a
truncated file fails here and not later), applies the EXIF orientation and returns an RGB image.
It raises only :class:`~classifier.errors.ImageError` subclasses.
"""
from __future__ import annotations

import io
import os
import struct
import warnings
from typing import BinaryIO, Union

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..errors import (
    CorruptImageError,
    EmptyImageError,
    ImageError,
    ImageTooLargeError,
    NotAnImageError,
)

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")

# Pillow only *warns* between MAX_IMAGE_PIXELS and 2x that; make the warning an error so a bomb
# can never slip through as a warning (load_image also checks the header size itself).
warnings.simplefilter("error", Image.DecompressionBombWarning)

Source = Union[str, "os.PathLike[str]", BinaryIO]


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


def _read_bytes(source: Source, max_bytes: int) -> bytes:
    """Return the raw bytes of ``source`` after checking its size (never reads more than max_bytes+1)."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not path:
            raise NotAnImageError("No image file was given.")
        try:
            size = os.stat(path).st_size
        except FileNotFoundError:
            raise NotAnImageError("The image file does not exist.") from None
        except OSError as exc:
            raise NotAnImageError(f"The image file cannot be read ({exc.strerror or exc}).") from None
        if size == 0:
            raise EmptyImageError()
        if size > max_bytes:
            raise ImageTooLargeError(f"The image file is too large ({size / 1048576:.1f} MB; the limit is {_mb(max_bytes)}).")
        try:
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except IsADirectoryError:
            raise NotAnImageError("The given path is a folder, not an image file.") from None
        except OSError as exc:
            raise NotAnImageError(f"The image file cannot be read ({exc.strerror or exc}).") from None
    else:
        if not hasattr(source, "read"):
            raise NotAnImageError("Expected a file path or a binary file object.")
        size = getattr(source, "size", None)
        seekable = hasattr(source, "seek")
        if seekable:  # uploads are read from the start and rewound afterwards
            try:
                source.seek(0)
                if not isinstance(size, int):
                    size = source.seek(0, os.SEEK_END)
                    if size is None and hasattr(source, "tell"):
                        size = source.tell()
                    source.seek(0)
            except (OSError, ValueError, AttributeError):
                seekable = False
        if isinstance(size, int):
            if size == 0:
                raise EmptyImageError()
            if size > max_bytes:
                raise ImageTooLargeError(f"The image file is too large ({size / 1048576:.1f} MB; the limit is {_mb(max_bytes)}).")
        data = source.read(max_bytes + 1)
        if seekable:  # leave the upload rewound so the caller can store it
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        if isinstance(data, str):
            raise NotAnImageError("Expected binary image data, got text.")
    if not data:
        raise EmptyImageError()
    if len(data) > max_bytes:
        raise ImageTooLargeError(f"The image file is too large (over {_mb(max_bytes)}).")
    return bytes(data)


def _to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to RGB; transparency is flattened onto white."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode.startswith("I;16"):
        import numpy as np

        # Integer arithmetic only (a 40 MP image through float64 would cost ~750 MB). np.asarray reads
        # the byte order of I;16B/I;16L itself; >> 8 maps 0..65535 onto 0..255.
        arr = np.asarray(im)
        arr = (arr >> 8) if int(arr.max()) > 255 else arr
        return Image.fromarray(arr.astype(np.uint8), "L").convert("RGB")
    if mode in ("I", "F"):
        import numpy as np

        arr = np.asarray(im, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if hi > 255 or lo < 0:
            arr = (arr - lo) / max(hi - lo, 1e-9) * 255.0
        return Image.fromarray(arr.clip(0, 255).astype("uint8"), "L").convert("RGB")
    if mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        im = im.convert("RGBA")
        background = Image.new("RGB", im.size, (255, 255, 255))
        background.paste(im, mask=im.getchannel("A"))
        return background
    return im.convert("RGB")


def load_image(
    source: Source,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Image.Image:
    """Read, validate and decode a screenshot; return an RGB ``PIL.Image`` (EXIF orientation applied).

    ``source`` is a path or a binary file-like object (e.g. a Django ``UploadedFile``; it is rewound
    afterwards). Raises ``EmptyImageError``, ``NotAnImageError``, ``CorruptImageError`` or
    ``ImageTooLargeError`` (all ``ImageError``/``ValueError``) and nothing else for bad input.
    """
    data = _read_bytes(source, max_bytes)
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
            width, height = probe.size
            fmt = probe.format
            if width <= 0 or height <= 0:
                raise CorruptImageError("The image has no pixels.")
            if width * height > max_pixels:
                raise ImageTooLargeError(
                    f"The image is too large ({width}x{height} pixels; the limit is {max_pixels / 1e6:.0f} megapixels)."
                )
            probe.verify()  # structural checks (PNG CRCs etc.) without decoding
        im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        if fmt == "GIF":
            im.seek(0)
        # Never decode truncated data silently, whatever a caller set globally.
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            im.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
        # in place: without an orientation tag exif_transpose would return a copy (a fresh 3 MB for a 1366x768 shot)
        ImageOps.exif_transpose(im, in_place=True)
        rgb = _to_rgb(im)
        rgb.load()
        if rgb is not im:
            im.close()
        return rgb
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError("The image is too large (it looks like a decompression bomb).") from None
    except UnidentifiedImageError:
        raise NotAnImageError() from None
    except MemoryError:
        raise ImageTooLargeError("The image is too large to decode.") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, TypeError, ZeroDivisionError) as exc:
        raise CorruptImageError(
            "The image file is damaged or incomplete; please send the screenshot again."
        ) from exc


__all__ = ["load_image", "ALLOWED_FORMATS", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS"]
