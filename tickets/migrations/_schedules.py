"""The django-q2 schedules the desk's data migrations create (Django's loader skips this "_" module)."""
from django.db import migrations


def schedule_every(name: str, func: str, minutes: int) -> migrations.RunPython:
    """A RunPython that creates the repeating schedule ``name`` (if missing) and deletes it on the way back."""

    def create(apps, schema_editor):
        Schedule = apps.get_model("django_q", "Schedule")
        if not Schedule.objects.filter(name=name).exists():
            Schedule.objects.create(
                name=name,
                func=func,
                schedule_type="I",  # Schedule.MINUTES
                minutes=minutes,
                repeats=-1,  # forever
            )

    def delete(apps, schema_editor):
        apps.get_model("django_q", "Schedule").objects.filter(name=name).delete()

    return migrations.RunPython(create, delete)
