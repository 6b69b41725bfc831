"""What happens without a head: per-head ablation and activation patching on a decoder's next-token choice.

Both read a scalar of the last position's next-token distribution, ``metric``:

- ``"logit"``: the logit difference logit[target] − logit[distractor];
- ``"prob"``: the probability difference P(target) − P(distractor) (softmax over the vocabulary).

Ablation (as in Michel et al. 2019, "Are Sixteen Heads Really Better than One?"; Wang et
al. 2023, "Interpretability in the Wild", for the indirect-object prompt) replaces one
head's z, its output before W_O, by zeros or by its mean over the positions, and measures
the metric's change. Activation patching (Vig et al. 2020; Meng et al. 2022) runs one
prompt with one head's z taken from another prompt of the same length. Each layer's heads
run as one batch (batch row h changes head h only) from that layer on (the layers before it
are those of the plain run), so a 30 × 9 map costs about 15 full runs of 9.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from jaxtyping import Float, Int

from attnviz.analysis.attribution import single_token
from attnviz.errors import AblationError, ConfigError, PairLengthError
from attnviz.model.attention import rope_cos_sin
from attnviz.model.hooks import recording
from attnviz.model.runner import HookedTransformer

Progress = Callable[[int, int], None]  # (layers done, layers in all)
METRICS = ("logit", "prob")


@dataclass(frozen=True)
class HeadMap:
    """The metric of a run with one head changed, for every head, beside the unchanged run.

    Attributes:
        values: float32 ``[layer, head]``, the metric with that head ablated (or patched).
        clean: the metric of the unchanged run.
        donor: for patching, the metric of the run the z came from; None for ablation.
        metric: ``"logit"`` or ``"prob"``.
    """

    values: Float[torch.Tensor, "layer head"]
    clean: float
    donor: float | None
    metric: str

    @property
    def change(self) -> Float[torch.Tensor, "layer head"]:
        """``values − clean``: the effect of changing each head alone."""
        return self.values - self.clean

    @property
    def restored(self) -> Float[torch.Tensor, "layer head"]:
        """For patching, ``(values − clean) / (donor − clean)``: the share of the donor run's metric one head carries over."""
        return self.change / (self.donor - self.clean)

    def top(self, k: int = 10) -> list[tuple[int, int, float]]:
        """The ``k`` heads of largest |change|, as (layer, head, change)."""
        flat = self.change.flatten()
        order = flat.abs().argsort(descending=True)[:k]
        n_heads = self.values.shape[1]
        return [(int(i) // n_heads, int(i) % n_heads, float(flat[i])) for i in order]


def _ids(model: HookedTransformer, prompt: str) -> Int[torch.Tensor, "pos"]:
    if not model.config.is_decoder:
        raise ConfigError(field="model", value=f"{model.config.name}: ablation maps read next-token logits; choose a decoder")
    return model.tokenize(prompt)[0]["input_ids"][0]


def _readout(model: HookedTransformer, last: torch.Tensor, target: int, distractor: int, metric: str) -> Float[torch.Tensor, "batch"]:
    """The metric from the last position's final residual stream ``[batch, d_model]``."""
    net = model.network
    last = net.ln_final(last)
    if metric == "logit":
        return (last @ (net.unembed_rows[target] - net.unembed_rows[distractor])).float().cpu()
    probs = torch.softmax((last @ net.unembed_rows.T).float(), -1)  # [batch, d_vocab]
    return (probs[:, target] - probs[:, distractor]).cpu()


def _clean_run(model: HookedTransformer, ids: Int[torch.Tensor, "pos"]) -> tuple[torch.Tensor, torch.Tensor]:
    """One plain run: every layer's input residual stream ``[layer, pos, d_model]`` and every layer's z ``[layer, pos, head, d_head]``."""
    n_layers = model.config.n_layers
    fields = {"embed": ["embed.hook_embed"], "resid_post": [f"blocks.{l}.hook_resid_post" for l in range(n_layers)], "z": [f"blocks.{l}.attn.hook_z" for l in range(n_layers)]}
    with recording(model.network, fields) as stored:
        model.network.run(ids[None].to(model.device))
    resid_pre = torch.cat([stored["embed"][:, 0], stored["resid_post"][:-1, 0]])  # [layer, pos, d_model]
    return resid_pre, stored["z"][:, 0]


def _from_layer(model: HookedTransformer, resid_pre: torch.Tensor, start: int, batch: int) -> Float[torch.Tensor, "batch d_model"]:
    """The last position's final residual stream, running blocks ``start`` … from ``resid_pre`` ``[pos, d_model]`` (the layers
    before ``start`` are the same in every row, so they are not run again)."""
    cfg, net = model.config, model.network
    n = resid_pre.shape[0]
    rope = rope_cos_sin(n, cfg.d_head, cfg.rope_theta, resid_pre.device) if cfg.rotary else None
    resid = resid_pre[None].expand(batch, -1, -1)
    for block in net.blocks[start:]:
        resid = block(resid, None, rope)
    return resid[:, -1]


def _per_head(model: HookedTransformer, resid_pre: torch.Tensor, target: int, distractor: int, metric: str, replace, progress: Progress | None) -> Float[torch.Tensor, "layer head"]:
    """For each layer, one batch of ``n_heads`` runs from that layer on, in which row h's z of head h is ``replace(layer, z)[h]``."""
    cfg = model.config
    rows = torch.arange(cfg.n_heads)
    values = torch.empty(cfg.n_layers, cfg.n_heads)
    for layer in range(cfg.n_layers):

        def hook(module, args, z, layer=layer):  # z: [batch = head, pos, head, d_head]
            z = z.clone()
            z[rows, :, rows] = replace(layer, z)[rows, :, rows].to(z.dtype)
            return z

        handle = model.network.get_submodule(f"blocks.{layer}.attn.hook_z").register_forward_hook(hook)
        try:
            values[layer] = _readout(model, _from_layer(model, resid_pre[layer], layer, cfg.n_heads), target, distractor, metric)
        finally:
            handle.remove()
        if progress:
            progress(layer + 1, cfg.n_layers)
    return values


def _check(metric: str) -> None:
    if metric not in METRICS:
        raise ConfigError(field="metric", value=f"{metric!r}: use one of {', '.join(METRICS)}")


@torch.inference_mode()
def ablation_map(
    model: HookedTransformer, prompt: str, target: str, distractor: str, how: str = "zero", metric: str = "logit", progress: Progress | None = None
) -> HeadMap:
    """The metric with each head ablated in turn: zero (z = 0) or mean (z = its mean over the positions).

    The same replacement as ``model.run_with_capture(prompt, ablate=[(layer, head)], ablation=how)``
    (``hooks.ablating``), one head at a time; ``.change`` is the effect.

    Args:
        target, distractor: one token each, e.g. ``" Mary"`` and ``" John"``.
        how: ``"zero"`` or ``"mean"``.
        metric: ``"logit"`` or ``"prob"``.
        progress: called with (layers done, n_layers) after each layer.

    Returns:
        A ``HeadMap`` with float32 ``[layer, head]`` values.

    Raises:
        AblationError: for an unknown ``how``. ConfigError: for an encoder or an unknown metric.
        TokenChoiceError: for a target or distractor that is not one token.
    """
    if how not in ("zero", "mean"):
        raise AblationError(value=repr(how))
    _check(metric)
    ids = _ids(model, prompt)
    t, d = single_token(model, target), single_token(model, distractor)

    def replace(layer: int, z: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(z) if how == "zero" else z.mean(dim=1, keepdim=True).expand_as(z)

    with model._lock:  # noqa: SLF001 — the runs' lock: our hooks must be alone on the shared network
        resid_pre, _ = _clean_run(model, ids)
        clean = float(_readout(model, _from_layer(model, resid_pre[0], 0, 1), t, d, metric)[0])
        values = _per_head(model, resid_pre, t, d, metric, replace, progress)
    return HeadMap(values, clean, None, metric)


@torch.inference_mode()
def patching_map(
    model: HookedTransformer, prompt: str, donor_prompt: str, target: str, distractor: str, metric: str = "logit", progress: Progress | None = None
) -> HeadMap:
    """Activation patching: the metric of ``prompt`` run with one head's z taken from ``donor_prompt``, for every head.

    The donor's z (``blocks.{l}.attn.hook_z``, every position) replaces that head's slice of
    z in the run of ``prompt``; everything downstream is recomputed. With the IOI prompt
    and a donor naming the other subject (``"… Mary gave a drink to"``), a head whose
    patch moves the logit difference most carries who gave. Patching a prompt's own z
    changes nothing (``.change`` is exactly 0).

    Returns:
        A ``HeadMap``: values ``[layer, head]``, ``clean`` the metric of ``prompt``, ``donor``
        that of ``donor_prompt``.

    Raises:
        PairLengthError: when the two prompts have different token counts.
        ConfigError, TokenChoiceError: as ``ablation_map``.
    """
    _check(metric)
    ids, donor_ids = _ids(model, prompt), _ids(model, donor_prompt)
    if len(ids) != len(donor_ids):
        raise PairLengthError(n_a=len(ids), n_b=len(donor_ids))
    t, d = single_token(model, target), single_token(model, distractor)
    with model._lock:  # noqa: SLF001
        donor_resid, donor_z = _clean_run(model, donor_ids)
        resid_pre, _ = _clean_run(model, ids)
        donor = float(_readout(model, _from_layer(model, donor_resid[0], 0, 1), t, d, metric)[0])
        clean = float(_readout(model, _from_layer(model, resid_pre[0], 0, 1), t, d, metric)[0])
        values = _per_head(model, resid_pre, t, d, metric, lambda layer, z: donor_z[layer][None].expand_as(z), progress)
    return HeadMap(values, clean, donor, metric)
