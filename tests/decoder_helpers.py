"""Tiny seeded random decoders (Llama, GPT-2) with their Hugging Face twins, and a tiny byte-level BPE tokenizer."""

from __future__ import annotations

import functools

import torch

CORPUS = [
    "The animal didn't cross the street because it was too tired.",
    "The quick brown fox jumps over the lazy dog.",
    "Attention is all you need. Keys, queries and values.",
    "Once upon a time there was a small language model that predicted the next token.",
] * 20


@functools.cache
def tiny_tokenizer():
    """A GPT-2-style byte-level BPE tokenizer with about 300 tokens, trained here in milliseconds."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(CORPUS, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>")


def _perturb_norms(hf) -> None:
    with torch.no_grad():  # make norm weights and biases non-trivial too
        for name, param in hf.named_parameters():
            if "norm" in name or "ln_" in name:
                param.add_(0.1 * torch.randn_like(param))


def tiny_llama_pair(seed: int, n_heads: int = 4, n_kv_heads: int = 2, tied: bool = False, d_head: int = 8, n_layers: int = 2, max_positions: int = 64):
    """A random Hugging Face ``LlamaForCausalLM`` (eager) and our ``HookedTransformer`` with the same weights."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from attnviz.loading import build_network
    from attnviz.model.config import ModelConfig
    from attnviz.model.runner import HookedTransformer

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    hf_config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=n_heads * d_head,
        intermediate_size=3 * n_heads * d_head,
        num_hidden_layers=n_layers,
        num_attention_heads=n_heads,
        num_key_value_heads=n_kv_heads,
        max_position_embeddings=max_positions,
        rope_theta=500.0,
        initializer_range=0.2,
        tie_word_embeddings=tied,
        attn_implementation="eager",
    )
    hf = LlamaForCausalLM(hf_config).eval()
    _perturb_norms(hf)
    cfg = ModelConfig.from_hf(hf_config, name=f"tiny-llama-{seed}")
    return hf, HookedTransformer(cfg, build_network(cfg, hf.state_dict()), tokenizer, torch.device("cpu"))


def tiny_gpt2_pair(seed: int, n_heads: int = 4, d_head: int = 8, n_layers: int = 2):
    """A random Hugging Face ``GPT2LMHeadModel`` (eager) and our ``HookedTransformer`` with the same weights."""
    from transformers import GPT2Config, GPT2LMHeadModel

    from attnviz.loading import build_network
    from attnviz.model.config import ModelConfig
    from attnviz.model.runner import HookedTransformer

    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    hf_config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=n_heads * d_head,
        n_layer=n_layers,
        n_head=n_heads,
        initializer_range=0.2,
        attn_implementation="eager",
    )
    hf = GPT2LMHeadModel(hf_config).eval()
    _perturb_norms(hf)
    cfg = ModelConfig.from_hf(hf_config, name=f"tiny-gpt2-{seed}")
    return hf, HookedTransformer(cfg, build_network(cfg, hf.state_dict()), tokenizer, torch.device("cpu"))


def hf_run(hf, token_ids: torch.Tensor):
    """Hugging Face's eager run on ``token_ids [pos]``: patterns ``[layer, head, q, k]``, logits ``[pos, d_vocab]``, hidden states."""
    with torch.no_grad():
        out = hf(token_ids[None], output_attentions=True, output_hidden_states=True, use_cache=False)
    return torch.stack(out.attentions)[:, 0], out.logits[0], [h[0] for h in out.hidden_states]


def relative_error(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    """max |ours − theirs| / max |theirs|."""
    return float((ours - theirs).abs().max() / theirs.abs().max())


def hf_greedy(hf, prompt_ids: list[int], n_new: int) -> list[int]:
    """Hugging Face's greedy ``generate``: the ``n_new`` ids after ``prompt_ids``."""
    with torch.no_grad():
        out = hf.generate(
            torch.tensor([prompt_ids]), max_new_tokens=n_new, min_new_tokens=n_new, do_sample=False,
            attention_mask=torch.ones(1, len(prompt_ids), dtype=torch.long), pad_token_id=0,
        )  # fmt: skip
    return out[0, len(prompt_ids) :].tolist()
