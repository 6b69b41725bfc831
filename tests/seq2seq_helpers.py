"""Tiny encoder–decoder folders for fast tests: a character tokenizer, random weights in attnviz's own format,
and seeded random Hugging Face BART, Marian and T5 checkpoints saved with that tokenizer."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors
from transformers import BartConfig, BartForConditionalGeneration, MarianConfig, MarianMTModel, PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig

CHARS = " ,-/0123456789ADFJMNOSabcdeghilmnoprstuvy年月日〇一二三四五六七八九十"
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]  # ids 0 1 2 3, as the seq2seq contract says


def char_tokenizer(chars: str = CHARS) -> Tokenizer:
    """One token per character after the four special tokens; encoding appends </s>."""
    vocab = {token: i for i, token in enumerate(SPECIALS)} | {c: i + len(SPECIALS) for i, c in enumerate(chars)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 2)])
    tok.add_special_tokens(SPECIALS)
    return tok


def toy_config(**changes) -> Seq2SeqConfig:
    fields = dict(d_vocab=len(SPECIALS) + len(CHARS), d_model=32, n_heads=4, d_head=8, d_mlp=64, n_encoder_layers=2, n_decoder_layers=2, max_positions=24, name="toy")
    return Seq2SeqConfig(**(fields | changes))


def write_toy_folder(folder: Path, cfg: Seq2SeqConfig | None = None, seed: int = 0) -> Path:
    """A folder in attnviz's seq2seq format with random weights: what the training script writes."""
    cfg = cfg or toy_config()
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attnviz-seq2seq.json").write_text(json.dumps({"config": cfg.to_json(), "format": 1}))
    save_file({k: v.contiguous() for k, v in EncoderDecoder(cfg).state_dict().items()}, folder / "model.safetensors")
    char_tokenizer().save(str(folder / "tokenizer.json"))
    return folder


V = 64  # the character tokenizer's 63 tokens fit
DIMS = dict(d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=40)
COMMON = dict(vocab_size=V, pad_token_id=0, bos_token_id=1, eos_token_id=2, forced_eos_token_id=None, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0)
# n_positions: what attnviz reads as T5's longest source and output (T5 has no position table; at the default 512 a random T5 writes 512 tokens)
T5 = dict(
    vocab_size=V,
    d_model=32,
    num_decoder_layers=2,
    relative_attention_num_buckets=8,
    relative_attention_max_distance=16,
    pad_token_id=0,
    eos_token_id=2,
    decoder_start_token_id=0,
    dropout_rate=0.0,
    n_positions=40,
)
FAMILIES = {
    "bart": lambda: BartForConditionalGeneration(BartConfig(**DIMS, **COMMON, decoder_start_token_id=2, forced_bos_token_id=None, activation_function="gelu")),
    "bart-scaled-relu": lambda: BartForConditionalGeneration(BartConfig(**DIMS, **COMMON, decoder_start_token_id=2, forced_bos_token_id=None, scale_embedding=True, activation_function="relu")),
    "marian": lambda: MarianMTModel(MarianConfig(**DIMS, **COMMON, decoder_start_token_id=0, scale_embedding=True, activation_function="swish")),
    "t5": lambda: T5ForConditionalGeneration(T5Config(**T5, d_kv=8, d_ff=64, num_layers=2, num_heads=4, feed_forward_proj="relu")),
    "t5-gated": lambda: T5ForConditionalGeneration(T5Config(**T5, d_kv=16, d_ff=48, num_layers=3, num_heads=3, feed_forward_proj="gated-gelu", tie_word_embeddings=False)),
}


def hf_tokenizer() -> PreTrainedTokenizerFast:
    """The character tokenizer as a Hugging Face tokenizer, with its pad, start, end and unknown tokens."""
    return PreTrainedTokenizerFast(tokenizer_object=char_tokenizer(), pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def write_hf_folder(folder: Path, family: str, seed: int = 0):
    """A seeded random ``FAMILIES[family]`` model saved (safetensors) with ``hf_tokenizer`` into ``folder``; returns the model, eval mode.

    Its weights are drawn larger than the initialiser's (so that attention patterns are far
    from uniform and greedy decoding writes several different tokens), not Marian's fixed sinusoids.
    """
    torch.manual_seed(seed)
    hf = FAMILIES[family]().eval()
    with torch.no_grad():
        for param in filter(lambda p: p.requires_grad, hf.parameters()):
            param.normal_(0.0, 0.5 if param.ndim > 1 else 0.3).add_(1.0 if param.ndim == 1 and param.shape[0] == 32 else 0.0)
    hf.save_pretrained(folder, safe_serialization=True)
    hf_tokenizer().save_pretrained(folder)
    return hf
