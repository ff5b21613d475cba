"""A model-free sentence encoder for the knowledge-base tests (counts what it embeds)."""
from tests.classifier.fake_encoders import TokenHashEncoder

ENCODER = TokenHashEncoder()


def counting_encoder() -> TokenHashEncoder:
    return ENCODER
