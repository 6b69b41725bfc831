"""Lesson 2, attention as a search: a shop's query against item titles (keys) with item values.

The analogy (the notes' "search engine" picture of Q, K, V): the query is what the shopper
types; each item's title is its key; each item's value is a vector of what the item is
(here a 0/1 feature vector: which of the catalogue's features the item has; the notes
stress that V is not the price). Attention scores every key against the query, turns the
scores into weights with a softmax, and returns one vector, the weighted sum of the values:

    s_i = cos(q, k_i) / τ,   w = softmax(s),   output = Σ_i w_i · v_i

so the output is a blend (feature f of the output is the weight on the items having f),
not a ranking or a selection of items. A Transformer scores with s_i = q·k_i/√d_k
(Vaswani et al. 2017, eq. 1) instead: no normalisation, and √d_k in place of τ.

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

from attnviz.errors import CatalogueError, EmptyCatalogueError, EmptyTextError, LessonValueError
from attnviz.lessons.quiz import Question
from attnviz.model.attention import softmax_pattern
from attnviz.model.capture import Capture


@dataclass(frozen=True)
class Catalogue:
    """The shop's items: ``titles`` (the keys' texts), ``features`` (every feature named, in
    order of first use) and ``values`` float32 ``[item, feature]``, 1 where the item has it."""

    titles: list[str]
    features: list[str]
    values: Float[torch.Tensor, "item feature"]


def parse_catalogue(text: str) -> Catalogue:
    """Read one item per line, written ``title | feature, feature, …`` (blank lines are skipped).

    Features are separated by commas (, or ，), 、 or semicolons; the same name on two
    lines is the same feature.

    Raises:
        CatalogueError: for a line without a title, or without a feature after one ``|``.
        EmptyCatalogueError: if no line holds an item.
    """
    titles, item_features = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in re.split(r"[|｜]", line)]
        names = [] if len(parts) != 2 else [f.strip() for f in re.split(r"[,，、;；]", parts[1]) if f.strip()]
        if not parts[0] or not names:
            raise CatalogueError(line=number, text=line.strip()[:80])
        titles.append(parts[0])
        item_features.append(names)
    if not titles:
        raise EmptyCatalogueError()
    features = list(dict.fromkeys(f for names in item_features for f in names))
    values = torch.tensor([[float(f in names) for f in features] for names in item_features], dtype=torch.float32)
    return Catalogue(titles, features, values)


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
    """Every step of one search, shapes for n items and f features (the value size).

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


def search_items(vectors: list[Float[torch.Tensor, "d"]], values: Float[torch.Tensor, "item value"], temperature: float) -> SearchResult:
    """``search_attention`` of the first vector (the query) over the others (the items' titles, stacked as keys).

    Raises:
        LessonValueError: if ``temperature`` is not positive.
    """
    return search_attention(vectors[0], torch.stack(vectors[1:]), values, temperature)


def dot_product_temperature(d: int) -> float:
    """The τ at which cos/τ equals the Transformer's q·k/√d_k for unit vectors of size ``d``: √d."""
    return math.sqrt(d)


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
