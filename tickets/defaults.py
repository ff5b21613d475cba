"""The queues and intents a fresh desk starts with (the data migration and `seed_desk` use this).

The intents are taken from the classifier's shipped label set (classifier/labels.yaml) when it can
be read, so the desk starts with the tuned descriptions and prompts; the copy below is the fallback.
Admins edit them in the Django admin afterwards; the classifier reads the intents from the database.
"""
import logging

logger = logging.getLogger(__name__)

DEFAULT_QUEUES = [
    ("payment", "Оплата"),
    ("course", "Обучение"),
    ("profile", "Профиль"),
    ("triage", "Разбор"),
]

DEFAULT_INTENTS = [
    {
        "name": "payment-problem",
        "title": "Проблема с оплатой",
        "queue": "payment",
        "descriptions": [
            "a problem with paying for a course: a failed, declined, duplicated or pending payment, 3-D Secure, "
            "instalments, subscription billing, receipts or refunds",
            "проблема с оплатой курса: платёж не прошёл, отклонён, списали дважды, рассрочка, подписка, чек, возврат",
        ],
        "prompts": [
            "a screenshot of a declined card payment",
            "a screenshot of a payment error on a checkout page",
            "a screenshot of a bank app showing a charge from an online school",
            "a screenshot of a refund or receipt problem",
        ],
        "examples": [
            "Оплата не прошла, деньги списались, а курс не открылся",
            "Списали деньги два раза",
            "Payment declined at checkout",
            "Не приходит чек об оплате",
        ],
        "keywords": ["оплат", "платеж", "платёж", "списал", "карт", "рассрочк", "возврат", "чек", "payment", "refund", "card"],
    },
    {
        "name": "course-problem",
        "title": "Проблема с обучением",
        "queue": "course",
        "descriptions": [
            "a learning problem: a video or webinar does not play, a lesson or course is locked or expired, "
            "homework upload or review, quizzes, deadlines, certificates, code errors in homework",
            "проблема с обучением: не воспроизводится видео, урок закрыт, курс пропал, домашнее задание, тест, сертификат",
        ],
        "prompts": [
            "a screenshot of a video player error on a learning platform",
            "a screenshot of a locked lesson in an online course",
            "a screenshot of a homework upload error",
            "a screenshot of a code error in an editor",
        ],
        "examples": [
            "Не открывается урок, пишет что доступ закончился",
            "Видео не грузится",
            "Homework upload fails",
            "Тест закрылся, ответы не сохранились",
        ],
        "keywords": ["урок", "курс", "видео", "вебинар", "домашн", "тест", "сертификат", "lesson", "video", "homework", "quiz"],
    },
    {
        "name": "profile-problem",
        "title": "Проблема с профилем",
        "queue": "profile",
        "descriptions": [
            "an account problem: login, registration, password reset, two-factor or SMS codes, changing e-mail, "
            "phone, name or avatar, a blocked account, social login",
            "проблема с аккаунтом: не могу войти, регистрация, сброс пароля, код из СМС, смена почты или телефона",
        ],
        "prompts": [
            "a screenshot of a login form with an error",
            "a screenshot of a password reset page",
            "a screenshot of a profile settings page with an error",
            "a screenshot of a registration form saying the e-mail is already used",
        ],
        "examples": [
            "Не могу войти в аккаунт",
            "Не приходит код из СМС",
            "Can't reset my password",
            "Email уже используется при регистрации",
        ],
        "keywords": ["войти", "вход", "парол", "аккаунт", "профил", "регистрац", "код", "login", "password", "account"],
    },
    {
        "name": "other",
        "title": "Другое",
        "queue": "triage",
        "descriptions": [
            "not a problem with the school: a meme, a photo, a chat about something else, an unrelated app or site",
            "не про школу: мем, фотография, переписка на другую тему, чужое приложение",
        ],
        "prompts": ["a meme", "a photo of a landscape", "a screenshot of an unrelated app", "a screenshot of a chat"],
        "examples": ["Смешная картинка", "Посмотрите какое фото"],
        "keywords": [],
        "in_scope": False,
    },
]

TITLES = {
    "payment-problem": "Проблема с оплатой",
    "course-problem": "Проблема с обучением",
    "profile-problem": "Проблема с профилем",
    "other": "Другое",
}


def queue_slug_for_intent(name: str, in_scope: bool) -> str:
    """payment-problem → payment; out-of-scope or unknown prefixes → triage."""
    prefix = name.split("-", 1)[0]
    known = {slug for slug, _name in DEFAULT_QUEUES}
    return prefix if in_scope and prefix in known else "triage"


def default_intent_specs() -> list[dict]:
    try:
        from classifier import LabelSet

        label_set = LabelSet.default_images()
    except Exception:  # the classifier package is optional at migrate time
        logger.warning("classifier/labels.yaml not readable; seeding the built-in intents")
        return [dict(spec) for spec in DEFAULT_INTENTS]
    return [
        {
            "name": intent.name,
            "title": TITLES.get(intent.name, intent.name),
            "queue": queue_slug_for_intent(intent.name, intent.in_scope),
            "descriptions": list(intent.descriptions),
            "prompts": list(intent.prompts),
            "examples": list(intent.examples),
            "keywords": list(intent.keywords),
            "in_scope": bool(intent.in_scope),
        }
        for intent in label_set.intents
    ]



def seed_defaults(queue_model, intent_model) -> tuple[int, int]:
    """Create missing queues and intents; rows that exist are left as the admin edited them.

    Takes the model classes so the data migration can pass its historical models.
    """
    created_queues = created_intents = 0
    for position, (slug, name) in enumerate(DEFAULT_QUEUES):
        _queue, created = queue_model.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})
        created_queues += created
    for spec in default_intent_specs():
        fields = {k: v for k, v in spec.items() if k not in ("name", "queue")}
        _intent, created = intent_model.objects.get_or_create(
            name=spec["name"], defaults={**fields, "queue": queue_model.objects.get(slug=spec["queue"])}
        )
        created_intents += created
    return created_queues, created_intents
