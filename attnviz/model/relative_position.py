"""Position terms of the encoder–decoder Transformers: sinusoids and T5's relative position bias.

Sinusoidal positions (Vaswani et al. 2017, section 3.5), in Marian's layout: the sines
of every frequency in the first half of d_model, the cosines in the second half (the
paper interleaves them; the two differ by a fixed permutation of the dimensions).

T5's relative position bias (Raffel et al. 2020, section 2.1; Shaw et al. 2018): no
position is added to the embeddings; instead each head adds a learned scalar to the
score of query i and key j that depends only on the distance j − i, put in one of a few
buckets (exact for small distances, logarithmic up to ``max_distance``, one bucket
beyond). The encoder's buckets tell left from right; the decoder's only look back.
"""

from __future__ import annotations

import math

import torch
from jaxtyping import Float, Int
from torch import nn


def sinusoidal_positions(n: int, d_model: int, device: torch.device | str = "cpu") -> Float[torch.Tensor, "pos d_model"]:
    """PE[pos, i] = sin(pos / 10000^(2i/d_model)), PE[pos, d_model/2 + i] = cos(same), float32 ``[n, d_model]``.

    Computed in float64 and rounded once to float32, as Marian's table is
    (``MarianSinusoidalPositionalEmbedding``). ``d_model`` must be even (checked by the config).
    """
    half = d_model // 2
    angles = torch.arange(n, dtype=torch.float64)[:, None] / torch.pow(10000.0, 2 * torch.arange(half, dtype=torch.float64) / d_model)  # [pos, half]
    return torch.cat([angles.sin(), angles.cos()], dim=-1).float().to(device)


def relative_buckets(
    n_queries: int, n_keys: int, bidirectional: bool, n_buckets: int, max_distance: int, device: torch.device | str = "cpu"
) -> Int[torch.Tensor, "query_pos key_pos"]:
    """The bucket of each distance key_pos − query_pos, int64 ``[query_pos, key_pos]`` in ``[0, n_buckets)``.

    Raffel et al. 2020, section 2.1 (the Mesh TensorFlow function Hugging Face copies):
    bidirectional (encoder): half the buckets for keys to the right, half for the left;
    causal (decoder): keys to the right all fall in bucket 0 (the causal mask hides them).
    Within a half, distances below ``n/2`` get a bucket each, larger ones share buckets
    spaced logarithmically up to ``max_distance``, and everything beyond the last one.
    """
    distance = torch.arange(n_keys, device=device)[None, :] - torch.arange(n_queries, device=device)[:, None]  # [query_pos, key_pos]
    bucket = torch.zeros_like(distance)
    if bidirectional:
        n_buckets //= 2
        bucket += (distance > 0).long() * n_buckets
        distance = distance.abs()
    else:
        distance = -distance.clamp(max=0)
    exact = n_buckets // 2
    spread = (torch.log(distance.float() / exact) / math.log(max_distance / exact) * (n_buckets - exact)).long()
    far = (exact + spread).clamp(max=n_buckets - 1)
    return bucket + torch.where(distance < exact, distance, far)


class RelativePositionBias(nn.Module):
    """One learned scalar per (bucket, head), ``weight [n_buckets, head]``, shared by every layer of a stack.

    ``forward`` gives the bias added to every layer's scores: float32 ``[1, head, query_pos, key_pos]``.
    """

    def __init__(self, n_buckets: int, n_heads: int, max_distance: int, bidirectional: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(n_buckets, n_heads))
        self.max_distance, self.bidirectional = max_distance, bidirectional

    def forward(self, n_queries: int, n_keys: int) -> Float[torch.Tensor, "1 head query_pos key_pos"]:
        buckets = relative_buckets(n_queries, n_keys, self.bidirectional, self.weight.shape[0], self.max_distance, self.weight.device)
        return self.weight[buckets].permute(2, 0, 1)[None]  # [query_pos, key_pos, head] -> [1, head, query_pos, key_pos]
