"""Lesson 1, word vectors: one-hot codes against the model's learned embedding matrix.

A one-hot code writes token t as row t of the identity matrix of size d_vocab: as long as
the vocabulary, and any two different tokens are orthogonal (dot product 0), so the code
says nothing about which words are alike. A word the tokenizer splits into several word
pieces is drawn here as the mean of its pieces' codes; two such words that share a piece
("token" in "tokenization" and "tokenizer") do overlap, by spelling, not by meaning. A learned embedding writes t as row t of
``W_E [d_vocab, d_model]`` (Devlin et al. 2019, section 3; Vaswani et al. 2017, section 3.4),
which is the same as one-hot(t)·W_E: a short dense vector whose directions training has made
meaningful, so similar words get similar vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from jaxtyping import Float, Int

from attnviz.errors import EmptyTextError, UnknownWordError
from attnviz.lessons.quiz import Question


def one_hot(token_ids: Int[torch.Tensor, "pos"], d_vocab: int) -> Float[torch.Tensor, "pos d_vocab"]:
    """The one-hot codes of ``token_ids``: float32 ``[pos, d_vocab]``, a single 1 per row.

    Raises:
        ValueError: if an id is outside ``[0, d_vocab)``.
    """
    if token_ids.numel() and (int(token_ids.min()) < 0 or int(token_ids.max()) >= d_vocab):
        raise ValueError(f"token ids must lie in [0, {d_vocab}); got {token_ids.tolist()}")
    return F.one_hot(token_ids.long(), d_vocab).float()


def sentence_bytes(n_tokens: int, d_vocab: int, d_model: int, bytes_per_number: int = 4) -> dict[str, int]:
    """Memory of a sentence of ``n_tokens`` written as one-hot rows vs as embedding rows.

    Returns ``{"one_hot": n·d_vocab·bytes, "embedding": n·d_model·bytes}`` (float32: 4 bytes a number).
    """
    return {"one_hot": n_tokens * d_vocab * bytes_per_number, "embedding": n_tokens * d_model * bytes_per_number}


def split_words(text: str) -> list[str]:
    """The words of a comma- or space-separated list, in order, each once."""
    words = [w.strip() for w in text.replace(",", " ").replace("，", " ").split()]
    return list(dict.fromkeys(w for w in words if w))


def word_ids(tokenizer, word: str) -> list[int]:
    """The token ids (word pieces) the model's tokenizer writes ``word`` as, without special tokens.

    Raises:
        EmptyTextError: for a blank word.
        UnknownWordError: if the tokenizer can only write it as [UNK] (not in the vocabulary).
    """
    if not word.strip():
        raise EmptyTextError()
    ids = tokenizer(word, add_special_tokens=False)["input_ids"]
    if not ids or tokenizer.unk_token_id in ids:
        raise UnknownWordError(word=word)
    return ids


def word_vectors(table: Float[torch.Tensor, "d_vocab d"], ids_per_word: list[list[int]]) -> Float[torch.Tensor, "word d"]:
    """Each word's vector: the mean of the rows of ``table`` of its word pieces.

    ``table`` is ``W_E [d_vocab, d_model]``. A one-piece word's vector is exactly its row;
    ``one_hot_vectors`` does the same with the rows of the identity.
    """
    return torch.stack([table[ids].float().mean(0) for ids in ids_per_word])


def one_hot_vectors(ids_per_word: list[list[int]], d_vocab: int) -> Float[torch.Tensor, "word d_vocab"]:
    """Each word's one-hot vector (the mean of its pieces' one-hot rows): ``[word, d_vocab]``."""
    return torch.stack([one_hot(torch.tensor(ids), d_vocab).mean(0) for ids in ids_per_word])


@dataclass(frozen=True)
class Overlap:
    """Two different words whose one-hot vectors overlap: indices into the word list, the
    word-piece ids they share, and their one-hot cosine."""

    first: int
    second: int
    shared: list[int]
    cosine: float


def one_hot_overlaps(ids_per_word: list[list[int]], cosines: Float[torch.Tensor, "word word"]) -> list[Overlap]:
    """The pairs of different words whose one-hot cosine (``cosines``, from ``one_hot_vectors``) is not 0.

    Only words that share a word piece can overlap; each pair is listed once (first < second).
    """
    return [
        Overlap(i, j, sorted(set(ids_per_word[i]) & set(ids_per_word[j])), float(cosines[i, j]))
        for i in range(len(ids_per_word))
        for j in range(i + 1, len(ids_per_word))
        if abs(float(cosines[i, j])) > 1e-6
    ]


def cosine_matrix(vectors: Float[torch.Tensor, "n d"]) -> Float[torch.Tensor, "n n"]:
    """Cosine similarity of every pair of rows: (a·b)/(|a||b|), in [-1, 1]; 1 on the diagonal."""
    unit = F.normalize(vectors.float(), dim=-1)
    return unit @ unit.T


def nearest_neighbours(
    W_E: Float[torch.Tensor, "d_vocab d_model"], vector: Float[torch.Tensor, "d_model"], k: int, exclude: list[int] = ()
) -> tuple[Int[torch.Tensor, "k"], Float[torch.Tensor, "k"]]:
    """The ``k`` vocabulary entries whose embedding rows have the highest cosine with ``vector``.

    Args:
        W_E: the embedding matrix.
        vector: the word's vector (e.g. from ``word_vectors``).
        k: how many neighbours, 1 ≤ k ≤ d_vocab − len(exclude).
        exclude: ids left out (the word's own pieces).

    Returns:
        ids (int64 ``[k]``) and their cosine similarities (float32 ``[k]``), best first.
    """
    sims = F.normalize(W_E.float(), dim=-1) @ F.normalize(vector.float(), dim=0)  # [d_vocab]
    if exclude:
        sims[torch.tensor(list(exclude))] = -float("inf")
    best = sims.topk(k)
    return best.indices, best.values


def nearest_word_question(
    words: list[str], similarities: Float[torch.Tensor, "word word"], one_hot_similarities: Float[torch.Tensor, "word word"]
) -> Question | None:
    """Which of the other words is nearest to the first one? Answered by the embedding cosines;
    the explanation also gives the pair's one-hot cosine (0 unless they share a word piece).

    Returns None with fewer than three words (the question needs at least two candidates).
    """
    if len(words) < 3:
        return None
    candidates = similarities[0, 1:]
    best = int(candidates.argmax())
    return Question(
        prompt="lesson1_q_prompt",
        params={"word": words[0]},
        options=tuple(words[1:]),
        answer=best,
        explanation="lesson1_q_explain",
        explanation_params={
            "word": words[0],
            "best": words[1 + best],
            "cos": f"{float(candidates[best]):.3f}",
            "one_hot_cos": f"{float(one_hot_similarities[0, 1 + best]):.2f}",
        },
    )
