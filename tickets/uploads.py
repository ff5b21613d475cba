"""Screenshot validation and re-encoding, shared by the web form and the API serializer.

Accepted images are decoded by ``classifier.images.load_image`` (size checked before reading,
pixel-bomb checked from the header, EXIF orientation applied) and re-encoded with Pillow, so the
bytes we store and later serve are ours, never the uploaded ones.
"""
from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms

from classifier import CorruptImageError, EmptyImageError, ImageError, ImageTooLargeError, load_image

from .png_encoder import png_encode

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
# What the form's file picker offers and what its script accepts before sending (the same three formats).
ACCEPTED_CONTENT_TYPES = ("image/png", "image/jpeg", "image/webp")


@dataclass(frozen=True)
class CleanImage:
    """A validated screenshot ready to be stored: re-encoded bytes plus what we know about it."""

    content: bytes
    thumbnail: bytes
    content_type: str  # image/png or image/jpeg
    extension: str  # png or jpg
    width: int
    height: int
    original_name: str
    sha256: str

    def as_content_file(self) -> ContentFile:
        return ContentFile(self.content, name=f"screenshot.{self.extension}")

    def thumbnail_file(self) -> ContentFile:
        return ContentFile(self.thumbnail, name="thumbnail.jpg")


def sanitize_filename(name: str, max_length: int = 100) -> str:
    """A display-only file name: no path, no control characters, no quotes, bounded length.

    Control (Cc) and format (Cf) characters are dropped before anything else: bidi overrides and
    isolates (U+202A..U+202E, U+2066..U+2069) and zero-width characters (U+200B..U+200F) could
    otherwise spoof the extension an operator sees (an RLO before "gnp.exe" displays as "exe.png").
    """
    name = unicodedata.normalize("NFKC", str(name or ""))
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"';<>|*?:]", "", name).strip(" .")
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: max_length - len(extension) - 1] + dot + extension) if dot and len(extension) < 10 else name[:max_length]
    return name


def not_an_image_message() -> str:
    return _("This is not a PNG, JPEG or WebP image.")


def _megabytes(size: int) -> str:
    """10485760 → "10"; 20000 → "0.02" ("0,02" in Russian): a small limit does not read "0 MB"."""
    return floatformat(size / (1024 * 1024), -2)


def too_large_message() -> str:
    return _("The image is too large: at most %(mb)s MB and %(mp)s megapixels.") % {
        "mb": _megabytes(settings.SUPPORTDESK_MAX_UPLOAD_BYTES), "mp": floatformat(settings.SUPPORTDESK_MAX_IMAGE_PIXELS / 1_000_000, -1),
    }


def empty_file_message() -> str:
    return _("The file is empty.")


def damaged_image_message() -> str:
    return _("The image is damaged or incomplete; please take the screenshot again.")


def _error_message(exc: Exception) -> str:
    if isinstance(exc, EmptyImageError):
        return empty_file_message()
    if isinstance(exc, ImageTooLargeError):
        return too_large_message()
    if isinstance(exc, CorruptImageError):
        return damaged_image_message()
    return not_an_image_message()


# Re-encoded PNG screenshots. Pillow's default (zlib level 6) spent most of an intake request compressing
# (issue 13: 122 of ~170 ms for a 200 KB screenshot); Pillow at level 1 took 27 ms, our own writer
# (tickets.png_encoder: one Sub filter, zlib level 2) 16 ms for smaller files (bench/intake.py prints all three).
# The pixels are the same with every writer; ``bench/intake.py`` swaps this function to compare.
png_bytes = png_encode


def clean_screenshot(uploaded_file) -> CleanImage:
    """Validate one uploaded screenshot; raise ``ValidationError`` with a message a student understands."""
    original_name = sanitize_filename(getattr(uploaded_file, "name", "") or "")
    prefix = f"{original_name}: " if original_name else ""
    try:
        image = load_image(
            uploaded_file,
            max_bytes=settings.SUPPORTDESK_MAX_UPLOAD_BYTES,
            max_pixels=settings.SUPPORTDESK_MAX_IMAGE_PIXELS,
        )
    except ImageError as exc:
        raise ValidationError(prefix + _error_message(exc), code="invalid_image") from exc

    source_format = _source_format(uploaded_file)
    if source_format not in ACCEPTED_FORMATS:
        raise ValidationError(prefix + not_an_image_message(), code="invalid_image")

    image = _pixels_only(image)
    # Lossless PNG keeps screenshot text crisp for OCR; photos (JPEG/WebP) stay JPEG.
    buffer = io.BytesIO()
    if source_format == "PNG":
        content = png_bytes(image)
        content_type, extension = "image/png", "png"
    else:
        image.save(buffer, format="JPEG", quality=90)
        content = buffer.getvalue()
        content_type, extension = "image/jpeg", "jpg"

    thumb = _thumbnail(image, settings.SUPPORTDESK_THUMBNAIL_SIZE)
    thumb_buffer = io.BytesIO()
    thumb.save(thumb_buffer, format="JPEG", quality=80)

    return CleanImage(
        content=content,
        thumbnail=thumb_buffer.getvalue(),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
        original_name=original_name,
        sha256=hashlib.sha256(content).hexdigest(),
    )


def too_many_screenshots_message() -> str:
    return _("At most %(limit)s screenshots.") % {"limit": settings.SUPPORTDESK_MAX_SCREENSHOTS}


def screenshots_help() -> str:
    return _("Up to %(count)s PNG, JPEG or WebP images, %(mb)s MB each.") % {
        "count": settings.SUPPORTDESK_MAX_SCREENSHOTS, "mb": _megabytes(settings.SUPPORTDESK_MAX_UPLOAD_BYTES),
    }


def client_limits() -> dict[str, str]:
    """What the form's script checks before sending, as ``data-`` attributes of the screenshot field: the
    limits this module enforces and the very messages it would answer with (in the page's language)."""
    return {
        "data-max-count": str(settings.SUPPORTDESK_MAX_SCREENSHOTS),
        "data-max-bytes": str(settings.SUPPORTDESK_MAX_UPLOAD_BYTES),
        "data-max-pixels": str(settings.SUPPORTDESK_MAX_IMAGE_PIXELS),
        "data-accept": ",".join(ACCEPTED_CONTENT_TYPES),
        "data-msg-type": not_an_image_message(),
        "data-msg-size": too_large_message(),
        "data-msg-count": too_many_screenshots_message(),
        "data-msg-empty": empty_file_message(),
        "data-msg-damaged": damaged_image_message(),
    }


class ScreenshotCountLimit(FileUploadHandler):
    """First upload handler of a request that may carry screenshots: stops parsing at the first file past the limit.

    Django's own cap (DATA_UPLOAD_MAX_NUMBER_FILES) raises ``TooManyFilesSent`` and throws away the
    whole body, text fields included. This handler stops earlier and politely: ``StopUpload`` keeps
    every field parsed so far (the form's text comes before its file input), the rest of the body is
    read and discarded, and ``exceeded`` tells the view/parser to report "at most N screenshots".
    Files received before the stop are not to be used (the last one may be closed).
    """

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = settings.SUPPORTDESK_MAX_SCREENSHOTS if limit is None else limit
        self.count = 0
        self.exceeded = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.count += 1
        if self.count > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # the next handlers store the file

    def file_complete(self, file_size):
        return None


def screenshot_count_limit(request) -> ScreenshotCountLimit:
    """Install a ScreenshotCountLimit on a Django request before its body is parsed (request.POST/FILES).

    Views protected by CSRF must do this outside ``csrf_protect`` (the CSRF check reads request.POST).
    """
    handler = ScreenshotCountLimit(request)
    request.upload_handlers.insert(0, handler)
    return handler


def clean_screenshots(files) -> list[CleanImage]:
    """Validate a list of uploads; collect every file's error so the student sees them all at once."""
    files = [f for f in (files or []) if f]
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    if len(files) > limit:
        raise ValidationError(too_many_screenshots_message(), code="too_many_files")
    cleaned, errors = [], []
    for uploaded in files:
        try:
            cleaned.append(clean_screenshot(uploaded))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def thumbnail_size(width: int, height: int, size: int) -> tuple[int, int] | None:
    """The size ``Image.thumbnail((size, size))`` resizes to (Pillow's rounding), or None when it keeps the image."""
    if size >= width and size >= height:
        return None
    aspect = width / height
    x = y = size
    if x / y >= aspect:
        x = max(min(math.floor(y * aspect), math.ceil(y * aspect), key=lambda n: abs(aspect - n / y)), 1)
    else:
        y = max(min(math.floor(x / aspect), math.ceil(x / aspect), key=lambda n: 0 if n == 0 else abs(aspect - x / n)), 1)
    return (x, y) if (x, y) != (width, height) else None


def _thumbnail(image: Image.Image, size: int) -> Image.Image:
    """What ``image.copy().thumbnail((size, size))`` gives, without copying the full-size pixels first (a 1366x768
    copy is 3 MB of fresh memory per request): the same size rule and resampling (bicubic, reducing gap 2)."""
    target = thumbnail_size(image.width, image.height, size)
    if target is None:
        return image
    return image.resize(target, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _pixels_only(image: Image.Image) -> Image.Image:
    """Keep nothing of the upload but its pixels before re-encoding.

    Pillow's writers copy some of ``image.info`` into the new file (the JPEG writer the COM segment,
    so a JPEG/HTML polyglot would survive; the PNG writer the ICC profile), so all metadata is dropped:
    comments, EXIF, XMP, text chunks, MPF. An embedded ICC profile is applied first (pixels converted
    to sRGB) so the colours stay right without carrying the profile; if it cannot be read it is ignored.
    """
    icc = image.info.get("icc_profile")
    if icc and image.mode == "RGB":
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
            if converted is not None:
                image = converted
        except Exception:  # a broken or exotic profile: keep the pixels as they are
            pass
    image.info = {}
    return image


def _source_format(uploaded_file) -> str | None:
    try:
        uploaded_file.seek(0)
        with Image.open(uploaded_file) as probe:
            # Multi-picture camera JPEGs (MPF: depth maps, HDR gain maps) are JPEGs; Pillow names them MPO.
            return "JPEG" if probe.format == "MPO" else probe.format
    except Exception:  # load_image already accepted it; this only narrows the allowed formats
        return None
    finally:
        try:
            uploaded_file.seek(0)
        except Exception:
            pass
