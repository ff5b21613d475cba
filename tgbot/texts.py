"""Everything the bot writes, in the chat's language (Russian by default, English for English-speaking users)."""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

LANGUAGES = ("ru", "en")


def chat_language(language_code: str | None) -> str:
    """Telegram's language_code ("ru", "en-US", "uk"...) → one of the desk's languages."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else settings.LANGUAGE_CODE


def welcome() -> str:
    return _("Hello! This is the support service of the online school. Describe your problem in one message; "
             "a screenshot helps (send it as a photo or as a file). We will answer here.")


def help_text() -> str:
    return _("How it works:\n"
             "• write your question, attach screenshots if you have them: it becomes a request;\n"
             "• everything you write next is added to your open request;\n"
             "/new: the next message starts a new request;\n"
             "/status: your requests and their states;\n"
             "/help: this message.")


def new_ready() -> str:
    return _("Fine: your next message starts a new request.")


def no_tickets() -> str:
    return _("You have no requests yet. Just write your question.")


def status_header() -> str:
    return _("Your requests:")


def received(ticket_id: int) -> str:
    return _("Request #%(id)s received. We will answer in this chat; everything you write next is added to it.") % {"id": ticket_id}


def reply(ticket_id: int, body: str) -> str:
    return _("Support's answer on request #%(id)s:\n\n%(body)s") % {"id": ticket_id, "body": body}


def auto_answer(ticket_id: int, body: str) -> str:
    return _("Automatic answer on request #%(id)s from our knowledge base:\n\n%(body)s\n\nDid it help?") % {"id": ticket_id, "body": body}


def helped() -> str:
    return _("It helped")


def need_operator() -> str:
    return _("I need an operator")


def feedback_solved() -> str:
    return _("Glad it helped! The request is resolved; write here if you need anything else.")


def feedback_escalated() -> str:
    return _("An operator will answer you here soon.")


def rating_question(ticket_id: int) -> str:
    return _("Request #%(id)s has been resolved. How did we do? Rate our help from 1 to 5.") % {"id": ticket_id}


def status_changed(ticket_id: int, status: str) -> str:
    if status == "closed":
        return _("Request #%(id)s has been closed by support. To ask something else, just write a new message here.") % {"id": ticket_id}
    return _("Request #%(id)s has been marked as resolved by support. If the problem is still there, just write here.") % {"id": ticket_id}


def rating_thanks(score: int) -> str:
    return _("Thank you for the rating (%(score)s)!") % {"score": score}


def file_refused(error: str) -> str:
    return _("We could not accept the file: %(error)s Your text was kept; send the screenshot again as a PNG or JPEG "
             "photo or file.") % {"error": error}


def file_not_image() -> str:
    return _("only PNG, JPEG and WebP images are accepted.")


def file_unreachable() -> str:
    return _("Telegram did not give us the file.")


def not_yours() -> str:
    return _("This button is not for you.")


def group_handover(link: str) -> str:
    return _("This needs a person: write to me privately, your question is carried over: %(link)s") % {"link": link}


def group_answer(body: str) -> str:
    return _("%(body)s\n\nIf this does not solve it, write to me privately.") % {"body": body}


def handover_used() -> str:
    return _("This link was for another person's question. Just write your own question here.")


def operators_line(line: str, url: str) -> str:
    return f"{line}\n{url}"
