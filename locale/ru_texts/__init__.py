"""Russian texts by area, one module each (locale/ru_translations.py, near the 450-line limit, keeps the first
ones). Every module here has ``RU`` (msgid → text) and optionally ``PLURALS``; ``modules()`` finds them all."""
import importlib
import pkgutil
from pathlib import Path


def modules():
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        yield importlib.import_module(f"{__name__}.{info.name}")
