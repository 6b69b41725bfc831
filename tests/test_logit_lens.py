"""The logit lens (attnviz.analysis.logit_lens) against Hugging Face's hidden states and the model's own logits."""

from __future__ import annotations

import pytest
import torch
from decoder_helpers import hf_run
from torch.testing import assert_close

import attnviz
from attnviz.analysis.logit_lens import lens_summary
from attnviz.errors import NoUnembeddingError

TEXT = "The quick brown fox jumps over the lazy dog."


def test_the_last_layer_is_the_models_own_log_softmax(tiny_llama):
    _, model = tiny_llama
    cap = model.run_with_capture(TEXT)
    lens = attnviz.logit_lens(cap)
    assert lens.shape == (cap.n_layers, cap.n_tokens, model.config.d_vocab) and lens.dtype == torch.float32
    assert_close(lens[-1], cap.logits.full().log_softmax(-1), rtol=0, atol=1e-5)


@pytest.mark.parametrize("pair", ["tiny_llama", "tiny_gpt2"])
def test_every_layer_equals_hugging_faces_hidden_state_through_its_final_norm_and_head(pair, request):
    hf, model = request.getfixturevalue(pair)
    cap = model.run_with_capture(TEXT)
    _, hf_logits, hidden = hf_run(hf, cap.token_ids)
    norm = hf.model.norm if pair == "tiny_llama" else hf.transformer.ln_f
    with torch.no_grad():  # HF's hidden_states[l + 1] is block l's output; its last entry has the final norm applied already
        want = [hf.lm_head(norm(h)).log_softmax(-1) for h in hidden[1:-1]] + [hf_logits.log_softmax(-1)]
    assert_close(attnviz.logit_lens(cap), torch.stack(want), rtol=1e-4, atol=1e-4)


def test_positions_read_only_those_rows(tiny_llama):
    _, model = tiny_llama
    cap = model.run_with_capture(TEXT)
    whole = attnviz.logit_lens(cap)
    assert_close(attnviz.logit_lens(cap, positions=[0, 3, -1]), whole[:, [0, 3, cap.n_tokens - 1]])
    with pytest.raises(IndexError):
        attnviz.logit_lens(cap, positions=[cap.n_tokens])


def test_the_summary_ranks_the_final_prediction_in_every_layer(tiny_llama):
    _, model = tiny_llama
    cap = model.run_with_capture(TEXT)
    whole = attnviz.logit_lens(cap)
    summary = lens_summary(cap, positions=range(2, 6), k=4)
    assert summary.positions == [2, 3, 4, 5]
    final = cap.logits.full()[2:6].argmax(-1)
    assert torch.equal(summary.final_ids, final)
    for layer in range(cap.n_layers):
        for a, pos in enumerate(summary.positions):
            order = whole[layer, pos].argsort(descending=True)
            assert summary.top_ids[layer, a].tolist() == order[:4].tolist()
            assert int(summary.final_rank[layer, a]) == int((order == final[a]).nonzero()) + 1
            assert_close(summary.final_logprobs[layer, a], whole[layer, pos, final[a]])
    assert (summary.final_rank[-1] == 1).all()
    with pytest.raises(ValueError):
        lens_summary(cap, k=0)


def test_an_encoder_capture_has_no_logit_lens(tiny_bert):
    _, model = tiny_bert
    cap = model.run_with_capture(TEXT)
    with pytest.raises(NoUnembeddingError, match="encoder.*decoder"):
        attnviz.logit_lens(cap)
    with pytest.raises(NoUnembeddingError):
        lens_summary(cap)
    assert "编码器" in NoUnembeddingError(model="minilm").message("zh")


@pytest.mark.slow
def test_smollm2_reads_paris_at_the_last_layer_and_not_at_the_first(smollm2):
    cap = smollm2.run_with_capture("The capital of France is")
    summary = lens_summary(cap, positions=[-1], k=5)
    assert smollm2.token_strings([int(summary.final_ids[0])]) == [" Paris"]
    assert int(summary.final_rank[-1, 0]) == 1 and int(summary.final_rank[0, 0]) > 1
    assert_close(attnviz.logit_lens(cap, positions=[-1])[-1, 0], cap.logits[-1].log_softmax(-1), rtol=0, atol=1e-5)


def test_settled_layer_is_where_the_final_prediction_stays_on_top():
    from attnviz.analysis.logit_lens import LensSummary

    ranks = torch.tensor([[5, 1, 1], [1, 2, 1], [1, 1, 1]])  # [layer, pos]: on top from layer 1, 2 and 0
    summary = LensSummary([0, 1, 2], torch.zeros(3, 3, 1, dtype=torch.long), torch.zeros(3, 3, 1), torch.zeros(3, dtype=torch.long), ranks, torch.zeros(3, 3))
    assert summary.settled_layer().tolist() == [1, 2, 0]
