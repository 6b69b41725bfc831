"""Shared fixtures: the bundled model (loaded once), tiny seeded random BERTs with their Hugging Face twins."""

from __future__ import annotations

import os

import pytest
from bert_helpers import tiny_bert_pair

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm():
    import attnviz

    return attnviz.load_model("minilm", device="cpu")


@pytest.fixture(scope="session")
def minilm_hf():
    from transformers import AutoModel

    from attnviz.loading.registry import model_folder

    return AutoModel.from_pretrained(str(model_folder("minilm")), attn_implementation="eager", trust_remote_code=False).eval()


@pytest.fixture(scope="session")
def smollm2():
    """The bundled decoder, loaded from its converted cache (converted here first on a fresh machine)."""
    import attnviz

    return attnviz.load_model("smollm2", device="cpu")


@pytest.fixture(scope="session")
def smollm2_hf():
    """Hugging Face's eager Llama reading the same GGUF file (it dequantises it itself): the parity reference."""
    from transformers import AutoModelForCausalLM

    from attnviz.loading.registry import gguf_source

    source = gguf_source("smollm2")
    return AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, attn_implementation="eager", trust_remote_code=False).eval()


@pytest.fixture(params=[0, 1, 2], ids=lambda s: f"seed{s}")
def tiny_pair(request):
    return tiny_bert_pair(request.param)
