"""The built-in probe set the head metrics are measured on: written here, nothing downloaded.

Two kinds of input (``attnviz.analysis.head_metrics``):

- ``SENTENCES``: plain English sentences of varied length and structure (questions, lists,
  numbers, quotes, a repeated word, clauses), run as text like any user's input;
- ``repeated_sequences``: seeded random token ids, each sequence repeated twice, the input on
  which induction heads are defined (Olsson et al. 2022, "In-context learning and induction
  heads"; the same probe as TransformerLens's head detector): a token of the second copy can
  be predicted only by finding its earlier occurrence and looking at the token after it.
"""

from __future__ import annotations

import re

import torch

SENTENCES = (
    "The animal didn't cross the street because it was too tired.",
    "The quick brown fox jumps over the lazy dog.",
    "Attention is all you need.",
    "When Mary and John went to the store, John gave a drink to Mary.",
    "The trophy doesn't fit into the brown suitcase because it is too large.",
    "She opened the window, looked at the rain, and closed it again.",
    "How many legs does a spider have?",
    "My favourite numbers are 3, 7, 12 and 42.",
    "The keys to the cabinet are on the table.",
    "After the meeting ended, the manager thanked everyone and went home.",
    "Water boils at one hundred degrees Celsius at sea level.",
    "\"I will be there tomorrow,\" she said, \"unless it snows.\"",
    "The cat sat on the mat, and the dog sat on the rug.",
    "Paris is the capital of France, and Rome is the capital of Italy.",
    "If you heat ice, it melts; if you cool water, it freezes.",
    "The children who live next door play football every Saturday.",
    "A neural network learns by adjusting its weights to reduce the error.",
    "Please send the report to Anna before Friday afternoon.",
    "The old man the boats.",
    "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday.",
    "He said that the book that he had borrowed was missing.",
    "Why did the chicken cross the road?",
    "The scientist who discovered the vaccine received many awards.",
    "Buy milk, eggs, bread, butter and two apples.",
    "The sun rises in the east and sets in the west.",
    "Although it was late, the library was still full of students.",
    "The word \"attention\" appears in the title of the paper.",
    "Tom told Sarah that he would call her later.",
    "One, two, three, four, five, six, seven, eight, nine, ten.",
    "The river flows slowly through the green valley toward the sea.",
    "Can you tell me where the nearest train station is?",
    "The price rose from 10 dollars to 15 dollars in a year.",
    "Every morning the baker bakes fresh bread for the village.",
    "The painting that hung in the hall was stolen last night.",
    "Birds fly south in winter because food becomes scarce.",
    "The model reads the sentence one token at a time.",
    "The teacher asked the students to open their books.",
    "Alice gave Bob the key, and Bob gave Alice the map.",
    "It rained all day, so the match was cancelled.",
    "The longest river in Africa is the Nile.",
)

REPEAT_SEED = 0
REPEAT_COUNT = 10  # sequences
REPEAT_LENGTH = 25  # random tokens per copy: each sequence holds 2 × 25 of them
_BRACKETED = re.compile(r"^\[.*\]$")  # BERT's [PAD], [unused17], ...: never trained on, left out


def ordinary_token_ids(tokenizer) -> torch.Tensor:
    """int64 ``[n]``: the ids of the tokenizer's vocabulary that are neither special tokens
    (``all_special_ids``) nor bracketed placeholders such as BERT's ``[unused17]``."""
    special = set(tokenizer.all_special_ids)
    vocab = tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    return torch.tensor([i for i, tok in enumerate(vocab) if i not in special and tok is not None and not _BRACKETED.match(tok)])


def framing_ids(tokenizer) -> tuple[list[int], list[int]]:
    """The special ids the tokenizer puts before and after a text's own tokens (BERT: [CLS] … [SEP];
    SmolLM2: none), so that a sequence of ids is framed as a text would be."""
    ids = tokenizer("x")["input_ids"]
    special = set(tokenizer.all_special_ids)
    first = next(i for i, tok in enumerate(ids) if tok not in special)
    last = max(i for i, tok in enumerate(ids) if tok not in special)
    return list(ids[:first]), list(ids[last + 1 :])


def repeated_sequences(tokenizer, count: int = REPEAT_COUNT, length: int = REPEAT_LENGTH, seed: int = REPEAT_SEED) -> list[list[int]]:
    """``count`` sequences of ``length`` distinct random ordinary tokens, each repeated twice and framed as a text.

    Each is ``prefix + r + r + suffix`` (``framing_ids``), ``r`` drawn without replacement from
    ``ordinary_token_ids`` by a ``torch.Generator`` seeded with ``seed``: the same ids on every
    machine. Distinct tokens give every token of the second copy exactly one earlier
    occurrence, so the induction target (the token after it) is unambiguous.

    Raises:
        ValueError: if ``count`` or ``length`` is not positive, or the vocabulary has fewer than ``length`` ordinary tokens.
    """
    if count < 1 or length < 1:
        raise ValueError(f"count and length must be positive, got {count} and {length}")
    pool = ordinary_token_ids(tokenizer)
    if len(pool) < length:
        raise ValueError(f"the vocabulary has only {len(pool)} ordinary tokens; ask for at most that many per copy")
    prefix, suffix = framing_ids(tokenizer)
    generator = torch.Generator().manual_seed(seed)
    sequences = []
    for _ in range(count):
        r = pool[torch.randperm(len(pool), generator=generator)[:length]].tolist()
        sequences.append(prefix + r + r + suffix)
    return sequences
