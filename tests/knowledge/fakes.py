"""A model-free sentence encoder for the knowledge-base tests (counts what it embeds)."""
from tests.classifier.test_faq import HashEncoder

ENCODER = HashEncoder()


def counting_encoder() -> HashEncoder:
    return ENCODER
