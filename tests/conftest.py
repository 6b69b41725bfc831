"""Shared fixtures: the bundled models (loaded once), tiny seeded random models with their Hugging Face twins.

Every model fixture is built once per session and shared by the tests that ask for it: a test
reads them (runs, captures) and never changes their weights.
"""

from __future__ import annotations

import os

import pytest
from bert_helpers import tiny_bert_pair
from decoder_helpers import tiny_gpt2_pair, tiny_llama_pair

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


@pytest.fixture(scope="session", params=[0, 1, 2], ids=lambda s: f"seed{s}")
def tiny_pair(request):
    """(hf, ours): a tiny random BERT (2 layers, 4 heads, d_head 8) and our network with its weights, seeds 0, 1, 2."""
    return tiny_bert_pair(request.param)


@pytest.fixture(scope="session")
def tiny_bert():
    """(hf, ours): the tiny random BERT of seed 0 (``bert_helpers.tiny_bert_pair``)."""
    return tiny_bert_pair(0)


@pytest.fixture(scope="session")
def tiny_llama():
    """(hf, ours): a tiny random Llama of seed 0, 4 query heads sharing 2 key/value heads (``decoder_helpers.tiny_llama_pair``)."""
    return tiny_llama_pair(0)


@pytest.fixture(scope="session")
def tiny_gpt2():
    """(hf, ours): a tiny random GPT-2 of seed 0 (``decoder_helpers.tiny_gpt2_pair``)."""
    return tiny_gpt2_pair(0)
