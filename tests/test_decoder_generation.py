"""Generation stepping: greedy choices equal Hugging Face's greedy ``generate``; seeded sampling repeats exactly."""

from __future__ import annotations

import pytest
import torch
from decoder_helpers import hf_greedy, tiny_gpt2_pair, tiny_llama_pair
from torch.testing import assert_close

from attnviz.analysis import decoding


@pytest.mark.parametrize("make", [tiny_llama_pair, tiny_gpt2_pair], ids=["llama", "gpt2"])
def test_greedy_steps_equal_hf_generate_on_tiny_models(make):
    hf, ours = make(4)
    prompt = ours.tokenizer("The animal didn't cross")["input_ids"]
    chosen = decoding.generate(ours.run_tokens_with_capture, prompt, 8)
    assert chosen == hf_greedy(hf, prompt, 8)


def test_sampling_with_a_seed_repeats_and_another_seed_differs():
    _, ours = tiny_llama_pair(5)
    prompt = ours.tokenizer("Once upon a time")["input_ids"]
    first = decoding.generate(ours.run_tokens_with_capture, prompt, 10, "sample", temperature=1.5, seed=11)
    assert first == decoding.generate(ours.run_tokens_with_capture, prompt, 10, "sample", temperature=1.5, seed=11)
    others = [decoding.generate(ours.run_tokens_with_capture, prompt, 10, "sample", temperature=1.5, seed=s) for s in (12, 13)]
    assert any(other != first for other in others)


def test_generation_continued_from_chosen_tokens_equals_one_run_and_reruns_only_the_new_steps():
    _, ours = tiny_llama_pair(6)
    prompt = ours.tokenizer("Once upon a time")["input_ids"]
    runs = []

    def capture(ids):
        runs.append(len(ids))
        return ours.run_tokens_with_capture(ids)

    for strategy in ("greedy", "sample"):
        whole = decoding.generate(ours.run_tokens_with_capture, prompt, 6, strategy, temperature=1.3, seed=4)
        runs.clear()
        assert decoding.generate(capture, prompt, 6, strategy, temperature=1.3, seed=4, chosen=whole[:4]) == whole
        assert runs == [len(prompt) + 4, len(prompt) + 5]  # the kept tokens are not chosen again
        assert decoding.generate(capture, prompt, 3, strategy, temperature=1.3, seed=4, chosen=whole) == whole[:3]


def test_the_chosen_tokens_probability_is_from_the_distribution_it_was_chosen_from():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    assert decoding.choice_probability(logits, 0, "greedy", temperature=3.0) == pytest.approx(float(torch.softmax(logits, 0)[0]))
    assert decoding.choice_probability(logits, 2, "sample", temperature=3.0) == pytest.approx(float(torch.softmax(logits / 3, 0)[2]))


@pytest.mark.slow
def test_each_step_extends_the_previous_capture(smollm2):
    """The newest token's row is the last row of the longer capture; the earlier tokens' numbers do not change."""
    prompt = smollm2.tokenizer("The capital of France is")["input_ids"]
    before = smollm2.run_tokens_with_capture(prompt)
    chosen = decoding.choose_next(before.logits[-1])
    after = smollm2.run_tokens_with_capture(prompt + [chosen])
    n = before.n_tokens
    assert after.n_tokens == n + 1 and after.tokens[-1] == smollm2.tokenizer.decode([chosen])
    assert_close(after.pattern[:, :, :n, :n], before.pattern[:], rtol=0, atol=1e-5)  # causal: the past is unchanged
    rows = decoding.newest_token_rows(after)
    assert rows.shape == (30, n + 1)
    assert_close(rows.sum(-1), torch.ones(30), rtol=1e-5, atol=1e-5)
    assert torch.equal(decoding.newest_token_rows(after, 4), after.pattern[:, 4, -1])


@pytest.mark.slow
def test_smollm2_greedy_steps_equal_hf_generate(smollm2, smollm2_hf):
    prompt = smollm2.tokenizer("The capital of France is")["input_ids"]
    chosen = decoding.generate(smollm2.run_tokens_with_capture, prompt, 4)
    assert chosen == hf_greedy(smollm2_hf, prompt, 4)
    assert smollm2.tokenizer.decode(chosen).startswith(" Paris")
