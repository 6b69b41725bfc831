"""The translator's character vocabulary: a Hugging Face ``tokenizers`` Tokenizer, one token per character.

Ids 0 ``<pad>``, 1 ``<s>`` (the decoder's start token), 2 ``</s>``, 3 ``<unk>``, then the
characters of :func:`attnviz.training.dates.alphabet` in sorted order. Encoding a text appends
``</s>`` (as T5's and Marian's tokenizers do), which is the source convention of the seq2seq
contract: source ids = characters + [</s>]. The decoder's input is [<s>] + target characters
and its labels are target characters + [</s>] (:func:`target_ids`).

Saved as ``tokenizer.json``, it loads with
``transformers.PreTrainedTokenizerFast(tokenizer_file=..., **SPECIAL_TOKENS)``.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from attnviz.training.dates import alphabet

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
SPECIAL_TOKENS = {"pad_token": PAD, "bos_token": BOS, "eos_token": EOS, "unk_token": UNK}


def build_tokenizer(chars: str | None = None) -> Tokenizer:
    """The character-level Tokenizer over ``chars`` (default: every character the date generator writes).

    ``tok.encode("30 Nov").ids`` -> one id per character, then 2 (``</s>``); a character outside
    the vocabulary becomes 3 (``<unk>``). ``tok.decode(ids)`` joins the characters back,
    leaving out the special tokens. Raises ValueError if ``chars`` repeats a character or holds
    a newline (the splitter reads one character at a time except newlines).
    """
    chars = alphabet() if chars is None else chars
    if len(set(chars)) != len(chars) or "\n" in chars:
        raise ValueError("the vocabulary's characters must be distinct and hold no newline")
    vocab = {PAD: PAD_ID, BOS: BOS_ID, EOS: EOS_ID, UNK: UNK_ID}
    vocab.update({c: i + len(vocab) for i, c in enumerate(chars)})
    tok = Tokenizer(models.WordLevel(vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single=f"$A {EOS}", special_tokens=[(EOS, EOS_ID)])
    tok.add_special_tokens([PAD, BOS, EOS, UNK])
    return tok


def source_ids(tok: Tokenizer, text: str) -> list[int]:
    """The encoder's input: one id per character of ``text``, then ``</s>``."""
    return tok.encode(text).ids


def target_ids(tok: Tokenizer, text: str) -> tuple[list[int], list[int]]:
    """(decoder input, labels) for a target: ``[<s>] + chars`` and ``chars + [</s>]`` ("shifted right")."""
    ids = tok.encode(text, add_special_tokens=False).ids
    return [BOS_ID, *ids], [*ids, EOS_ID]


def save_tokenizer(tok: Tokenizer, folder: Path) -> Path:
    """Write ``folder/tokenizer.json`` and return its path."""
    path = Path(folder) / "tokenizer.json"
    tok.save(str(path))
    return path
