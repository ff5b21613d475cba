"""factory_boy factories for the desk's models."""
from __future__ import annotations

import io

import factory
from django.contrib.auth import get_user_model
from PIL import Image

from knowledge.models import FaqEntry, FaqPhrasingOffer
from tickets.models import Intent, OperatorProfile, Prediction, Queue, Student, Ticket, TicketEvent
from tickets.services.search_index import ticket_search_refresh


def png_bytes(size=(64, 48), color=(200, 30, 30), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name="shot.png", content: bytes | None = None, content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type=content_type)


def queue(slug: str) -> Queue:
    """The seeded queues (payment, course, profile, triage) come from the data migration."""
    return Queue.objects.get(slug=slug)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass12345!")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


def operator(username: str | None = None, queues: list[str] | None = None):
    """An operator limited to ``queues`` (slugs), or allowed everywhere when None."""
    user = UserFactory(**({"username": username} if username else {}))
    profile = OperatorProfile.objects.create(user=user, all_queues=queues is None)
    if queues:
        profile.queues.set(Queue.objects.filter(slug__in=queues))
    return user


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student
        django_get_or_create = ("email",)

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"student{n}@example.org")


class TicketFactory(factory.django.DjangoModelFactory):
    """``email=...`` gives the ticket the student behind that address (normalised, as the web form does)."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    class Params:
        email = factory.Sequence(lambda n: f"student{n}@example.org")

    name = factory.Faker("name")
    student = factory.LazyAttribute(lambda o: StudentFactory(email=Student.normalize_email(o.email), name=o.name))
    description = factory.Faker("sentence")
    queue = factory.LazyFunction(lambda: Queue.objects.get(slug="triage"))
    classification_state = Ticket.ClassificationState.PENDING

    @factory.post_generation
    def search_document(obj, create, extracted, **kwargs):
        # As the services do when they write a ticket (services.search_index): the search finds factory tickets too.
        if create:
            ticket_search_refresh(obj.pk)


class ClassifiedTicketFactory(TicketFactory):
    classification_state = Ticket.ClassificationState.DONE
    label = "payment-problem"
    confidence = 0.9
    queue = factory.LazyFunction(lambda: Queue.objects.get(slug="payment"))


class PredictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prediction

    ticket = factory.SubFactory(ClassifiedTicketFactory)
    label = "payment-problem"
    confidence = 0.9
    scores = factory.LazyAttribute(lambda o: {o.label or "other": o.confidence})
    model_version = "fake-1"


class IntentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Intent

    name = factory.Sequence(lambda n: f"intent-{n}")
    queue = factory.LazyFunction(lambda: Queue.objects.get(slug="course"))
    descriptions = ["something"]


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketEvent

    ticket = factory.SubFactory(ClassifiedTicketFactory)
    kind = TicketEvent.Kind.STATUS


class FaqEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaqEntry

    external_id = factory.Sequence(lambda n: f"entry-{n}")
    topic = "payment"
    question = factory.Sequence(lambda n: f"Вопрос номер {n}?")
    alt_questions = factory.LazyFunction(list)
    answer = "Ответ."


class FaqPhrasingOfferFactory(factory.django.DjangoModelFactory):
    """A student's question offered as a learned phrasing of an entry (as ``ticket_reply`` offers it)."""

    class Meta:
        model = FaqPhrasingOffer

    entry = factory.SubFactory(FaqEntryFactory)
    text = factory.Sequence(lambda n: f"а можно как-то платить частями, вариант {n}")
