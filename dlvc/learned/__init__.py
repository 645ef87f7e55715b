"""End-to-end learned video codecs (SSF, DVC) on CompressAI; see README.md.

Nothing here imports torch at import time: ``stream`` and ``options`` are torch-free,
``codec``, ``train`` and the models import torch/CompressAI only when used.
"""
