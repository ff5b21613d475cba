"""Filling a gettext .po file from Python dictionaries (locale/ru_translations.py holds the Russian texts).

makemessages writes every marked string with an empty msgstr (or a fuzzy guess); ``fill`` puts the known
translation in, drops fuzzy flags (msgfmt skips fuzzy entries) and reports what is still missing.
"""
import re
from pathlib import Path


def unquote(lines):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(lines))).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")


def _quote(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'msgstr "{escaped}"'
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return 'msgstr ""\n' + "\n".join(f'"{line}"' for line in lines)


def _unfuzzy(lines):
    """Drop the fuzzy flag and the previous-msgid hints: msgfmt skips fuzzy entries."""
    kept = []
    for line in lines:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if not flags:
                continue
            line = "#, " + ", ".join(flags)
        kept.append(line)
    return kept


def fill(po_path: Path, translations: dict[str, str], plurals: dict[str, list[str]]) -> list[str]:
    text = po_path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    missing = []
    for index, block in enumerate(blocks):
        lines = block.split("\n")
        id_start = next((i for i, line in enumerate(lines) if line.startswith("msgid ")), None)
        str_start = next((i for i, line in enumerate(lines) if line.startswith(("msgstr ", "msgid_plural "))), None)
        if id_start is None or str_start is None:
            continue
        msgid = unquote([lines[id_start][6:]] + lines[id_start + 1:str_start])
        if not msgid:
            blocks[index] = "\n".join(_unfuzzy(lines))  # the header carries Plural-Forms
            continue
        if msgid in plurals:
            plural_start = next(i for i, line in enumerate(lines) if line.startswith("msgid_plural "))
            forms = [f'msgstr[{i}] "{form}"' for i, form in enumerate(plurals[msgid])]
            blocks[index] = "\n".join(_unfuzzy(lines[:plural_start + 1]) + forms)
            continue
        translation = translations.get(msgid)
        if translation is None:
            missing.append(msgid)
            continue
        lines = _unfuzzy(lines[:str_start]) + [_quote(translation)]
        blocks[index] = "\n".join(lines)
    po_path.write_text("\n\n".join(blocks), encoding="utf-8")
    return missing

