"""Every environment variable is documented once (supportdesk/settings/environment.py) and read in one place.

The source is walked (Python by its AST, the shell scripts by their ``${NAME:-default}`` reads): a read of a
variable the list does not document, or a read whose name is not a literal, fails here.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from supportdesk.settings import environment
from supportdesk.settings.environment import BY_NAME, SCRIPTS, SETTINGS, env

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "supportdesk" / "settings"
SKIP_DIRS = {".venv", ".git", "__pycache__", "node_modules", "var", "staticfiles", "media"}
ENV_HELPERS = {"env", "env_str", "env_int", "env_bool", "env_list", "getenv"}
ENVIRON_METHODS = {"get", "setdefault", "pop"}


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or a bare ``environ`` (from os import environ)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (isinstance(node, ast.Name) and node.id == "environ")


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def environment_reads(path: Path) -> list[tuple[str | None, int]]:
    """(variable name or None when it is not a literal, line) of every environment read in a Python file."""
    reads = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            first = node.args[0] if node.args else None
            if isinstance(func, ast.Attribute) and func.attr in ENVIRON_METHODS and _is_environ(func.value):
                reads.append((_literal(first), node.lineno))
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or (isinstance(func, ast.Name) and func.id in ENV_HELPERS):
                reads.append((_literal(first), node.lineno))
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            reads.append((_literal(node.slice), node.lineno))
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            if any(_is_environ(c) for c in node.comparators):
                reads.append((_literal(node.left), node.lineno))
    return reads


def python_files(top: Path):
    if top.is_file():
        yield top
        return
    for path in sorted(top.rglob("*.py")):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def undocumented_reads(top: Path) -> list[str]:
    problems = []
    for path in python_files(top):
        if SETTINGS_DIR in path.parents or path == Path(__file__):
            continue  # the settings read through env(), which refuses an undocumented name; this file tests that
        for name, line in environment_reads(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if name is None:
                problems.append(f"{where}: the variable's name is not a literal")
            elif name not in BY_NAME:
                problems.append(f"{where}: {name} is not documented in supportdesk/settings/environment.py")
    return problems


TOPS = sorted(
    p.name for p in ROOT.iterdir()
    if p.name not in SKIP_DIRS and not p.name.startswith(".") and (p.suffix == ".py" or (p.is_dir() and any(p.rglob("*.py"))))
)


@pytest.mark.parametrize("top", TOPS)
def test_code_reads_only_documented_variables(top):
    assert undocumented_reads(ROOT / top) == []


def test_the_scan_sees_every_kind_of_read(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\nfrom os import environ\n"
        "os.environ.get('A'); os.getenv('B'); os.environ['C']; 'D' in os.environ; environ.setdefault('E', '1')\n"
        "os.environ.get(name)\nos.environ['F'] = 'written, not read'\n"
    )
    assert sorted(environment_reads(sample), key=lambda read: str(read[0])) == [
        ("A", 3), ("B", 3), ("C", 3), ("D", 3), ("E", 3), (None, 4),
    ]


def test_shell_scripts_read_only_documented_variables():
    scripts = [ROOT / ".ci" / "run", *(p for p in (ROOT / "scripts").iterdir() if p.is_file() and p.suffix != ".py")]
    read = {name for path in scripts for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", path.read_text(encoding="utf-8"))}
    assert sorted(read - set(BY_NAME)) == []
    assert {v.name for v in environment.VARIABLES if v.scope == SCRIPTS} <= read


def test_every_documented_setting_is_read_by_the_settings():
    read = {
        name
        for path in SETTINGS_DIR.glob("*.py")
        for name, _line in environment_reads(path)
        if name is not None
    }
    documented = {v.name for v in environment.VARIABLES if v.scope == SETTINGS}
    assert sorted(documented - read) == []


def test_env_refuses_an_undocumented_name_and_parses_kinds(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="NOT_A_SETTING"):
        env("NOT_A_SETTING")
    monkeypatch.setenv("SUPPORTDESK_Q_WORKERS", "3")
    monkeypatch.setenv("SUPPORTDESK_AUTO_ANSWER", "0")
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example, b.example,")
    assert (env("SUPPORTDESK_Q_WORKERS"), env("SUPPORTDESK_AUTO_ANSWER"), env("DJANGO_ALLOWED_HOSTS")) == (3, False, ["a.example", "b.example"])
    monkeypatch.setenv("SUPPORTDESK_Q_WORKERS", "")
    assert env("SUPPORTDESK_Q_WORKERS") == 1  # empty number = the default
    monkeypatch.delenv("SUPPORTDESK_SUBMIT_RATE", raising=False)
    assert env("SUPPORTDESK_SUBMIT_RATE") == "20/hour"
    monkeypatch.setenv("SUPPORTDESK_SUBMIT_RATE", "")
    assert env("SUPPORTDESK_SUBMIT_RATE") == ""  # an empty text switches the limit off


def test_classifier_settings_are_defined_with_their_defaults(settings):
    assert settings.SUPPORTDESK_MODEL_THREADS == 1
    assert (settings.SUPPORTDESK_CLIP_MODEL, settings.SUPPORTDESK_ALLOW_DOWNLOAD, settings.SUPPORTDESK_TESSERACT_CMD) == ("", False, "tesseract")
    assert "SUPPORTDESK_CLASSIFIER_THREADS" not in BY_NAME
