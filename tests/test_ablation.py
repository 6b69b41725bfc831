"""Ablation and patching maps against the engine's own ablation and against edited copies of a tiny model."""

from __future__ import annotations

import copy

import pytest
import torch

from attnviz.analysis import ablation
from attnviz.errors import ConfigError, PairLengthError
from attnviz.model.runner import HookedTransformer

PROMPT = "The quick brown fox jumps over the lazy"
DONOR = "The quick brown fax jumps over the lazy"  # the same 26 tokens of the tiny tokenizer


def one_token_words(model) -> tuple[str, str]:
    """Two strings the tiny tokenizer reads as one token each."""
    words = [w for w in (" the", "The", " la") if len(model.tokenizer(w, add_special_tokens=False)["input_ids"]) == 1]
    return words[0], words[1]


def logit_diff(cap, model, target: str, distractor: str) -> float:
    t, d = (model.tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in (target, distractor))
    return float(cap.logits[-1][t] - cap.logits[-1][d])


@pytest.mark.parametrize("how", ["zero", "mean"])
def test_every_cell_equals_the_engines_ablation_of_that_head(tiny_llama, how):
    _, ours = tiny_llama
    target, distractor = one_token_words(ours)
    result = ablation.ablation_map(ours, PROMPT, target, distractor, how=how)
    assert result.clean == pytest.approx(logit_diff(ours.run_with_capture(PROMPT), ours, target, distractor), abs=1e-4)
    cfg = ours.config
    assert result.values.shape == (cfg.n_layers, cfg.n_heads)
    for layer in range(cfg.n_layers):
        for head in range(cfg.n_heads):
            cap = ours.run_with_capture(PROMPT, ablate=[(layer, head)], ablation=how)
            assert float(result.values[layer, head]) == pytest.approx(logit_diff(cap, ours, target, distractor), abs=1e-4)
    assert result.change.abs().max() > 1e-4  # the map is not all zero


def test_a_head_whose_w_o_is_already_zero_has_no_effect(tiny_llama):
    _, ours = tiny_llama
    layer, head, d = 1, 2, ours.config.d_head
    edited = HookedTransformer(ours.config, copy.deepcopy(ours.network), ours.tokenizer, ours.device)
    with torch.no_grad():
        edited.network.blocks[layer].attn.o_weight[:, head * d : (head + 1) * d] = 0
    target, distractor = one_token_words(ours)
    result = ablation.ablation_map(edited, PROMPT, target, distractor)
    assert abs(float(result.change[layer, head])) < 1e-5  # float32 rounding of a batch of 4 against a batch of 1
    assert result.change.abs().max() > 1e-2
    probs = ablation.ablation_map(edited, PROMPT, target, distractor, metric="prob")
    assert abs(float(probs.change[layer, head])) < 1e-6 and -1 <= probs.clean <= 1


def test_patching_a_prompts_own_z_changes_nothing_and_a_donor_moves_the_metric(tiny_llama):
    _, ours = tiny_llama
    target, distractor = one_token_words(ours)
    same = ablation.patching_map(ours, PROMPT, PROMPT, target, distractor)
    torch.testing.assert_close(same.change, torch.zeros_like(same.change), rtol=0, atol=1e-5)  # batched runs round alike to 1e-7
    assert same.donor == same.clean
    patched = ablation.patching_map(ours, PROMPT, DONOR, target, distractor)
    assert patched.donor == pytest.approx(logit_diff(ours.run_with_capture(DONOR), ours, target, distractor), abs=1e-4)
    assert patched.change.abs().max() > 1e-4


def test_patching_one_head_equals_a_run_with_that_heads_z_replaced_by_hand(tiny_llama):
    """Independent: the donor's z from its capture, written into head (1, 0) by a hook of the test's own."""
    _, ours = tiny_llama
    target, distractor = one_token_words(ours)
    donor_z = ours.run_with_capture(DONOR).z[1, :, 0]  # [pos, d_head]

    def hook(module, args, z):
        z = z.clone()
        z[0, :, 0] = donor_z
        return z

    handle = ours.network.get_submodule("blocks.1.attn.hook_z").register_forward_hook(hook)
    try:
        cap = ours.run_with_capture(PROMPT)
    finally:
        handle.remove()
    result = ablation.patching_map(ours, PROMPT, DONOR, target, distractor)
    assert float(result.values[1, 0]) == pytest.approx(logit_diff(cap, ours, target, distractor), abs=1e-4)


def test_prompts_of_different_lengths_and_encoders_are_refused(tiny_llama, tiny_bert):
    _, ours = tiny_llama
    target, distractor = one_token_words(ours)
    with pytest.raises(PairLengthError, match="same number of tokens"):
        ablation.patching_map(ours, PROMPT, "The fox", target, distractor)
    with pytest.raises(ConfigError):
        ablation.ablation_map(tiny_bert[1], "the cat sat", " the", " cat")


def test_top_heads_are_sorted_by_absolute_change():
    result = ablation.HeadMap(torch.tensor([[1.0, -3.0], [0.5, 2.0]]), 0.0, None, "logit")
    assert result.top(3) == [(0, 1, -3.0), (1, 1, 2.0), (0, 0, 1.0)]
