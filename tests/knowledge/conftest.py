import pytest

from classifier import dump_faq_yaml
from tests.classifier.faq.sample import ENTRIES
from tests.knowledge import fakes


@pytest.fixture(autouse=True)
def fake_faq_encoder(settings):
    from knowledge.services import faq_index_reset

    settings.SUPPORTDESK_FAQ_ENCODER = "tests.knowledge.fakes.counting_encoder"
    fakes.ENCODER.calls.clear()
    faq_index_reset()
    yield fakes.ENCODER
    faq_index_reset()


@pytest.fixture
def faq_file(tmp_path):
    path = tmp_path / "faq.yaml"
    dump_faq_yaml(ENTRIES, path, school="Лингва", site="lingva.example", updated="2026-01-01")
    return path


@pytest.fixture
def imported(db, faq_file):
    from knowledge.services import faq_import

    faq_import(faq_file.read_text(encoding="utf-8"))
    return faq_file
