"""Lesson 2, attention as a search: a shop's query against item titles (keys) with item values.

The analogy (the notes' "search engine" picture of Q, K, V): the query is what the shopper
types; each item's title is its key; each item's value is what the shop hands back (here
a price and a rating). Attention scores every key against the query, turns the scores into
weights with a softmax, and returns the weighted sum of the values:

    s_i = cos(q, k_i) / τ,   w = softmax(s),   output = Σ_i w_i · v_i

The vectors come from the bundled model: either its sentence embedding (all-MiniLM-L6-v2 is
trained so that the mean of its last layer over the tokens, L2-normalised, places texts of
similar meaning close; Reimers & Gurevych 2019) or the plain mean of the input embedding
rows W_E of the text's word pieces. τ (temperature) sharpens or flattens the weights.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from jaxtyping import Float

from attnviz.attention import softmax_pattern
from attnviz.capture import Capture
from attnviz.errors import EmptyTextError
from attnviz.lessons.errors import CatalogueError, EmptyCatalogueError, LessonValueError
from attnviz.lessons.quiz import Question

VALUE_NAMES = ("price", "rating")


@dataclass(frozen=True)
class Catalogue:
    """The shop's items: ``titles`` (the keys' texts) and ``values`` float32 ``[item, 2]`` (price, rating)."""

    titles: list[str]
    values: Float[torch.Tensor, "item value"]


def parse_catalogue(text: str) -> Catalogue:
    """Read one item per line, written ``title | price | rating`` (blank lines are skipped).

    Raises:
        CatalogueError: for a line without a title and two numbers.
        EmptyCatalogueError: if no line holds an item.
    """
    titles, values = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        try:
            if len(parts) != 3 or not parts[0]:
                raise ValueError
            price, rating = float(parts[1]), float(parts[2])
            if not (math.isfinite(price) and math.isfinite(rating)):
                raise ValueError
        except ValueError:
            raise CatalogueError(line=number, text=line.strip()[:80]) from None
        titles.append(parts[0])
        values.append((price, rating))
    if not titles:
        raise EmptyCatalogueError()
    return Catalogue(titles, torch.tensor(values, dtype=torch.float32))


def sentence_embedding(cap: Capture) -> Float[torch.Tensor, "d_model"]:
    """The model's sentence embedding: the last layer's output averaged over the tokens
    the text may attend to (special tokens included, padding excluded), then L2-normalised.
    """
    keep = cap.attn_mask[0].float()  # [pos]: 1 for real tokens, 0 for padding
    mean = (cap.resid_post[-1] * keep[:, None]).sum(0) / keep.sum()
    return F.normalize(mean, dim=0)


def word_embedding(W_E: Float[torch.Tensor, "d_vocab d_model"], tokenizer, text: str) -> Float[torch.Tensor, "d_model"]:
    """The mean of the input-embedding rows of ``text``'s word pieces (no special tokens), L2-normalised.

    Raises:
        EmptyTextError: for blank text.
    """
    ids = tokenizer(text, add_special_tokens=False)["input_ids"] if text.strip() else []
    if not ids:
        raise EmptyTextError()
    return F.normalize(W_E[ids].float().mean(0), dim=0)


@dataclass(frozen=True)
class SearchResult:
    """Every step of one search, shapes for n items and 2 values.

    Attributes:
        similarity: ``[item]``, cos(q, k_i).
        scores: ``[item]``, similarity / τ.
        weights: ``[item]``, softmax of the scores; they sum to 1.
        weighted: ``[item, value]``, w_i · v_i.
        output: ``[value]``, Σ_i w_i · v_i.
    """

    similarity: Float[torch.Tensor, "item"]
    scores: Float[torch.Tensor, "item"]
    weights: Float[torch.Tensor, "item"]
    weighted: Float[torch.Tensor, "item value"]
    output: Float[torch.Tensor, "value"]


def search_attention(
    query: Float[torch.Tensor, "d"],
    keys: Float[torch.Tensor, "item d"],
    values: Float[torch.Tensor, "item value"],
    temperature: float,
) -> SearchResult:
    """Attention of one query over the items: cosine similarity, / τ, softmax, weighted values.

    Raises:
        LessonValueError: if ``temperature`` is not positive.
    """
    if not temperature > 0:
        raise LessonValueError(name="τ", value=temperature, allowed="> 0")
    similarity = F.normalize(keys.float(), dim=-1) @ F.normalize(query.float(), dim=0)  # [item]
    scores = similarity / temperature
    weights = softmax_pattern(scores)
    weighted = weights[:, None] * values
    return SearchResult(similarity, scores, weights, weighted, weighted.sum(0))


def unknown_pieces(tokenizer, text: str) -> bool:
    """Whether the tokenizer writes part of ``text`` as [UNK] (characters outside its vocabulary)."""
    return tokenizer.unk_token_id in tokenizer(text, add_special_tokens=False)["input_ids"]


def top_item_question(query: str, titles: list[str], result: SearchResult) -> Question | None:
    """Which item gets the largest weight for the query? None with fewer than two items."""
    if len(titles) < 2:
        return None
    best = int(result.weights.argmax())
    return Question(
        prompt="lesson2_q_prompt",
        params={"query": query},
        options=tuple(titles),
        answer=best,
        explanation="lesson2_q_explain",
        explanation_params={"item": titles[best], "weight": f"{float(result.weights[best]):.3f}", "cos": f"{float(result.similarity[best]):.3f}"},
    )
