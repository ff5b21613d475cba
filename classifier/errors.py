"""Exceptions raised by the classifier package.

Every message is a short English sentence that can be shown to a student or an operator as-is.
``ImageError`` subclasses ``ValueError`` so callers written against the seed API
(``ImageProcessor`` raises ``ValueError``) keep working.
"""
from __future__ import annotations


class ImageError(ValueError):
    """Base class: the uploaded file cannot be used as a screenshot."""

    default_message = "The file could not be used as an image."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.default_message


class EmptyImageError(ImageError):
    default_message = "The uploaded file is empty (0 bytes)."


class NotAnImageError(ImageError):
    default_message = "The file is not a supported image; please send a PNG, JPEG, WEBP or GIF screenshot."


class CorruptImageError(ImageError):
    default_message = "The image file is damaged or incomplete; please send the screenshot again."


class ImageTooLargeError(ImageError):
    default_message = "The image is too large; please send a smaller screenshot."


class ClassifierError(RuntimeError):
    """Base class for failures of the classifier itself (not of the input)."""


class ModelUnavailableError(ClassifierError):
    """A model (e.g. a CLIP checkpoint) could not be loaded."""


__all__ = [
    "ImageError",
    "EmptyImageError",
    "NotAnImageError",
    "CorruptImageError",
    "ImageTooLargeError",
    "ClassifierError",
    "ModelUnavailableError",
]
