"""Who may see what. Admins (staff/superusers) see every queue; operators see the queues in their profile."""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser


def is_desk_admin(user: AbstractBaseUser) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def is_operator(user: AbstractBaseUser) -> bool:
    """Anyone who may use the operator pages: admins, and users with an operator profile."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_desk_admin(user):
        return True
    return hasattr(user, "operator_profile")


def sees_all_queues(user: AbstractBaseUser) -> bool:
    if is_desk_admin(user):
        return True
    profile = getattr(user, "operator_profile", None)
    return bool(profile and profile.all_queues)
