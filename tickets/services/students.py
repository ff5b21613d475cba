"""Students as identities: found (or created) by the channel identity they write from."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Student


def student_for_email(*, email: str, name: str = "") -> Student:
    """The student behind an e-mail address (normalised), created on first contact; ``name`` becomes their latest name.

    Safe when two first tickets from one address arrive at once: the loser of the unique constraint reads
    the winner's row.
    """
    address = Student.normalize_email(email)
    if not address:
        raise ValidationError({"email": _("Enter a valid email address.")})
    name = (name or "").strip()
    student = Student.objects.filter(email=address).first()
    if student is None:
        try:
            with transaction.atomic():
                return Student.objects.create(email=address, name=name)
        except IntegrityError:
            student = Student.objects.get(email=address)
    if name and student.name != name:
        student.name = name
        student.save(update_fields=["name", "updated_at"])
    return student
