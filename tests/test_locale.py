"""The Russian catalogue is complete: every string the code marks for translation has a Russian text
(issue 8 found "Label examples", "Stop using the selected examples", "CREATED BY" in English in the Russian UI)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
sys.path.insert(0, str(ROOT / "locale"))
import po_fill  # noqa: E402
import ru_translations  # noqa: E402


def _entries(po: Path) -> dict[str, str]:
    """msgid → msgstr (plural entries: the first form) of a .po file; fuzzy entries count as untranslated."""
    entries = {}
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = block.split("\n")
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        start = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
        end = next((i for i, line in enumerate(lines) if line.startswith(("msgstr", "msgid_plural"))), None)
        if start is None or end is None:
            continue
        msgid = po_fill.unquote([lines[start][6:]] + lines[start + 1:end])
        translated = [line for line in lines[end:] if line.startswith(("msgstr", '"'))]
        msgstr = po_fill.unquote([line.split(" ", 1)[1] if line.startswith("msgstr") else line for line in translated])
        if msgid:
            entries[msgid] = "" if fuzzy else msgstr
    return entries


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext (xgettext) is not installed")
def test_every_marked_string_has_a_russian_translation(tmp_path, settings, monkeypatch):
    """makemessages over the code into a copy of locale/, filled by locale/ru_translations.py: nothing may be
    left empty. The code is linked into a scratch directory (makemessages writes next to the first locale/
    directory it finds, so run in the repository it would rewrite the committed catalogue)."""
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    for entry in ROOT.iterdir():
        if entry.name not in ("locale", "var", "staticfiles") and not entry.name.startswith("."):
            (tmp_path / entry.name).symlink_to(entry)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["ru"], verbosity=0, no_obsolete=True, symlinks=True)
    po = tmp_path / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    ru_translations.fill(po)
    untranslated = sorted(msgid for msgid, msgstr in _entries(po).items() if not msgstr)
    assert not untranslated, "add these to locale/ru_translations.py:\n" + "\n".join(untranslated)


def test_the_committed_catalogue_is_filled():
    entries = _entries(ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po")
    assert entries and not [msgid for msgid, msgstr in entries.items() if not msgstr]
