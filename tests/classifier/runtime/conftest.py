"""Screenshots rendered for the runtime tests (lines in screens.py)."""
import pytest

from tests.classifier.runtime.screens import LUNCH, PAYMENT, PROFILE


@pytest.fixture
def shots(tmp_path, render):
    paths = {}
    for name, lines in {"payment": PAYMENT, "profile": PROFILE, "lunch": LUNCH}.items():
        path = tmp_path / f"{name}.png"
        render(lines, size=(800, 100)).save(path)
        paths[name] = str(path)
    return paths
