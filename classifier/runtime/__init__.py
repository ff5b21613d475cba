"""What runs for every ticket: images, OCR, sentence encoders, CLIP backends, labels, signals, fusion, the
ticket pipeline, the message-topic classifier and the seed API. Imports nothing from ``classifier.fitting``.
"""
