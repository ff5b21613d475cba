"""README's commands exist as written (issue 8: "every command the README gives must work after its set-up")."""
import re
from pathlib import Path

from django.core.management import get_commands

from supportdesk.settings.environment import BY_NAME

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_every_manage_py_command_exists():
    named = set(re.findall(r"manage\.py (\w+)", README))
    assert {"migrate", "qcluster", "collectstatic"} <= named
    assert named <= set(get_commands()), named - set(get_commands())


def test_every_script_and_benchmark_it_names_exists():
    paths = set(re.findall(r"\b((?:scripts|bench)/[\w./]+\w)", README))
    assert paths and all((ROOT / path).exists() for path in paths), [p for p in paths if not (ROOT / p).exists()]


def test_every_variable_it_names_is_documented():
    named = set(re.findall(r"\b((?:SUPPORTDESK|DJANGO)_[A-Z_]+[A-Z])\b", README)) - {"DJANGO_SETTINGS_MODULE"}
    assert named <= set(BY_NAME) | {"DJANGO_SETTINGS_MODULE"}, named - set(BY_NAME)


def test_the_desk_port_and_the_submit_rate_are_documented():
    assert "port 8000" in README and "SUPPORTDESK_PORT" in README
    assert "SUPPORTDESK_SUBMIT_RATE" in README


def test_the_production_server_is_pinned():
    assert "gunicorn supportdesk.wsgi" in README
    assert re.search(r"^gunicorn==\d", (ROOT / "requirements.txt").read_text(), re.M)
