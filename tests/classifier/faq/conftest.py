import pytest

from classifier.faq.index import FaqIndex
from tests.classifier.fake_encoders import TokenHashEncoder
from tests.classifier.faq.sample import ENTRIES


@pytest.fixture()
def index() -> FaqIndex:
    # the re-ranking's second encoder (e5 when deployed) is the model-free one too
    return FaqIndex(ENTRIES, encoder=TokenHashEncoder(), rerank_encoder=TokenHashEncoder())


@pytest.fixture(scope="module")
def real_index(use_encoder) -> FaqIndex:
    return FaqIndex(ENTRIES, encoder=use_encoder)
