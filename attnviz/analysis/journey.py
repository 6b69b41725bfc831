"""One token's journey through a decoder: every stage of the forward pass at one position, with the model's numbers.

For position i of a decoder capture (GPT-2: Radford et al. 2019; Llama: Touvron et al. 2023),
one layer ℓ and one head h of it:

    embed_i = W_E[token_i] (+ W_pos[i] for GPT-2)                         [d_model]
    q, K, V, scores, mask, softmax, z of head h                           (``steps.head_steps``)
    attn_out_i = concat_h(z_h)·W_O + b_O                                  [d_model]
    resid_mid_i = resid_pre_i + attn_out_i                                [d_model]
    mlp_out_i = MLP(ln2(resid_mid_i)); resid_post_i = resid_mid_i + mlp_out_i
    … the later layers …
    logits_i = Norm_final(resid_post[last]_i)·W_U                         [d_vocab]
    p = softmax(logits_i / T), top-k, top-p (``decoding.sampling_set``), a seeded draw

Every stage is recomputed from the model's weights and compared with what the capture
stored (the ``*_error`` fields). Nothing here loads or runs a whole model: the blocks'
own norm and MLP modules are applied to single rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float, Int

from attnviz.analysis import decoding
from attnviz.analysis.heads import check_index, copy_weight
from attnviz.analysis.steps import HeadSteps, check_capture, head_steps, layer_input, output_steps
from attnviz.errors import NoUnembeddingError
from attnviz.model.capture import Capture
from attnviz.model.runner import HookedTransformer


def _apply(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """The model's own module on a float32 CPU row, on the module's device; the result as float32 on the CPU."""
    device = next(module.parameters()).device
    with torch.no_grad():
        return module(x.to(device)).float().cpu()


@dataclass(frozen=True)
class Journey:
    """The stages of one position's forward pass (float32 CPU tensors).

    Attributes:
        position, layer, head: where the journey looks; token, token_id: the token at ``position``.
        token_embed: ``[d_model]``, W_E[token_id]; pos_embed: ``[d_model]``, W_pos[position] (GPT-2), None with RoPE.
        embed: ``[d_model]``, their sum, the residual stream entering layer 0.
        steps: the head's q, K, V, scores, mask, softmax and z (``HeadSteps``).
        resid_pre: ``[d_model]``, the stream entering ``layer``.
        attn_out: ``[d_model]``, concat(z)·W_O + b_O at ``position``.
        resid_mid: ``[d_model]``, resid_pre + attn_out.
        mlp_in: ``[d_model]``, ln2(resid_mid); mlp_out: ``[d_model]``, MLP(mlp_in).
        resid_post: ``[d_model]``, resid_mid + mlp_out.
        final_resid: ``[d_model]``, the last layer's resid_post; final_normed: its final norm.
        logits: ``[d_vocab]``, final_normed·W_U.
        embed_error, attn_out_error, resid_post_error, logits_error: max |recomputed − captured|.
    """

    position: int
    layer: int
    head: int
    token: str
    token_id: int
    token_embed: Float[torch.Tensor, "d_model"]
    pos_embed: Float[torch.Tensor, "d_model"] | None
    embed: Float[torch.Tensor, "d_model"]
    steps: HeadSteps
    resid_pre: Float[torch.Tensor, "d_model"]
    attn_out: Float[torch.Tensor, "d_model"]
    resid_mid: Float[torch.Tensor, "d_model"]
    mlp_in: Float[torch.Tensor, "d_model"]
    mlp_out: Float[torch.Tensor, "d_model"]
    resid_post: Float[torch.Tensor, "d_model"]
    final_resid: Float[torch.Tensor, "d_model"]
    final_normed: Float[torch.Tensor, "d_model"]
    logits: Float[torch.Tensor, "d_vocab"]
    embed_error: float
    attn_out_error: float
    resid_post_error: float
    logits_error: float


def journey(cap: Capture, model: HookedTransformer, position: int, layer: int, head: int) -> Journey:
    """Every stage of ``position``'s forward pass, ``layer``'s block and ``head`` in detail.

    Args:
        cap: a decoder capture made by ``model``.
        position: the token whose journey is shown (its logits predict the token after it).

    Raises:
        NoUnembeddingError: for an encoder's capture (no logits: the journey ends in a prediction).
        PositionError: for a position, layer or head outside the capture.
        CaptureMismatchError: for a capture another model made.
    """
    if cap.unembed is None or not model.config.is_decoder:
        raise NoUnembeddingError()
    check_capture(cap, model)
    check_index("position", position, cap.n_tokens)
    network = model.network
    token_id = int(cap.token_ids[position])
    token_embed = copy_weight(network.embed.W_E[token_id])
    pos_embed = None if network.embed.W_pos is None else copy_weight(network.embed.W_pos[position])
    embed = token_embed if pos_embed is None else token_embed + pos_embed
    hs = head_steps(cap, model, layer, head, position)  # checks layer and head
    out = output_steps(cap, model, layer)
    resid_pre = layer_input(cap, layer)[position]
    attn_out = out.attn_out[position]
    resid_mid = resid_pre + attn_out
    block = network.blocks[layer]
    mlp_in = _apply(block.ln2, resid_mid[None, None])[0, 0]
    mlp_out = _apply(block.mlp, mlp_in[None, None])[0, 0]
    resid_post = resid_mid + mlp_out
    final_resid = cap.resid_post[-1, position]
    final_normed = _apply(network.ln_final, final_resid[None, None])[0, 0]
    logits = final_normed @ copy_weight(network.unembed_rows).T  # [d_vocab]
    return Journey(
        position=position, layer=layer, head=head, token=cap.tokens[position], token_id=token_id,
        token_embed=token_embed, pos_embed=pos_embed, embed=embed, steps=hs, resid_pre=resid_pre,
        attn_out=attn_out, resid_mid=resid_mid, mlp_in=mlp_in, mlp_out=mlp_out, resid_post=resid_post,
        final_resid=final_resid, final_normed=final_normed, logits=logits,
        embed_error=float((embed - cap.embed[position]).abs().max()),
        attn_out_error=out.attn_out_error,
        resid_post_error=float((resid_post - cap.resid_post[layer, position]).abs().max()),
        logits_error=float((logits - cap.logits[position]).abs().max()),
    )  # fmt: skip


@dataclass(frozen=True)
class Sampling:
    """The last stage: softmax with a temperature, top-k, top-p, and a seeded draw.

    Attributes:
        probs: ``[d_vocab]``, softmax(logits / T).
        top_ids, top_probs: ``[n_top]``, the most probable tokens under ``probs`` (for the figure).
        kept_ids: ``[kept]``, the tokens the draw chooses among (top-k, then the nucleus of mass p),
            most probable first; kept_probs: ``[kept]``, their renormalised probabilities (sum 1).
        kept_mass: the kept tokens' share of the top-k tokens' probability (≥ p: the nucleus's defining sum).
        sampled: the drawn token id; sampled_prob: its renormalised probability.
        temperature, k, p, seed: the settings.
    """

    probs: Float[torch.Tensor, "d_vocab"]
    top_ids: Int[torch.Tensor, "n_top"]
    top_probs: Float[torch.Tensor, "n_top"]
    kept_ids: Int[torch.Tensor, "kept"]
    kept_probs: Float[torch.Tensor, "kept"]
    kept_mass: float
    sampled: int
    sampled_prob: float
    temperature: float
    k: int | None
    p: float
    seed: int


def sample(logits: Float[torch.Tensor, "d_vocab"], temperature: float = 1.0, k: int | None = None, p: float = 1.0, seed: int = 0, n_top: int = 12) -> Sampling:
    """softmax(logits / T), top-k, top-p (Holtzman et al. 2020) and the draw ``decoding.choose_next`` makes with ``seed``.

    Raises:
        ValueError: for a bad temperature, k or p.
    """
    probs = decoding.next_token_probs(logits, temperature)
    top_ids, top_probs = decoding.top_k(probs, min(n_top, probs.shape[-1]))
    kept_ids, kept_probs = decoding.sampling_set(logits, temperature, k, p)
    sampled = decoding.choose_next(logits, "sample", temperature, k, seed, 0, p)
    where = int((kept_ids == sampled).nonzero()[0, 0])
    top_k_mass = decoding.top_k(probs, k or probs.shape[-1])[1].sum()
    return Sampling(
        probs=probs, top_ids=top_ids, top_probs=top_probs, kept_ids=kept_ids, kept_probs=kept_probs,
        kept_mass=float(probs[kept_ids].sum() / top_k_mass),
        sampled=sampled, sampled_prob=float(kept_probs[where]), temperature=temperature, k=k, p=p, seed=seed,
    )  # fmt: skip
