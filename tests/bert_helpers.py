"""Tiny seeded random BERTs with their Hugging Face twins, for parity tests."""

from __future__ import annotations

import torch


def tiny_bert_pair(seed: int, n_layers: int = 2, n_heads: int = 4, d_head: int = 8, max_positions: int = 40):
    """A random Hugging Face ``BertModel`` and our ``HookedTransformer`` with the same weights.

    The vocabulary is the bundled model's, so its tokenizer can be used on real text.
    """
    from transformers import BertConfig, BertModel

    from attnviz.loading import build_network
    from attnviz.model.config import ModelConfig
    from attnviz.model.runner import HookedTransformer

    torch.manual_seed(seed)
    hf_config = BertConfig(
        vocab_size=30522,
        hidden_size=n_heads * d_head,
        num_hidden_layers=n_layers,
        num_attention_heads=n_heads,
        intermediate_size=4 * n_heads * d_head,
        max_position_embeddings=max_positions,
        type_vocab_size=2,
        attn_implementation="eager",
    )
    hf = BertModel(hf_config, add_pooling_layer=False).eval()
    with torch.no_grad():  # make LayerNorm weights and biases non-trivial too
        for name, param in hf.named_parameters():
            if "LayerNorm" in name:
                param.add_(0.1 * torch.randn_like(param))
    cfg = ModelConfig.from_hf(hf_config, name=f"tiny-{seed}")
    from transformers import AutoTokenizer

    from attnviz.loading.registry import model_folder

    tokenizer = AutoTokenizer.from_pretrained(model_folder("minilm"), local_files_only=True, trust_remote_code=False)
    ours = HookedTransformer(cfg, build_network(cfg, hf.state_dict()), tokenizer, torch.device("cpu"))
    return hf, ours


def hf_query_cosines(tokenizer, hf_model, query: str, items: list[str]):
    """Cosine of ``query`` with each of ``items``, as Hugging Face computes the sentence embeddings
    (mean of the last hidden states over real tokens, L2-normalised): numpy ``[len(items)]``."""
    import torch.nn.functional as F

    enc = tokenizer([query, *items], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = hf_model(**enc).last_hidden_state
    mask = enc["attention_mask"][..., None].float()
    emb = F.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    return emb[1:] @ emb[0]
