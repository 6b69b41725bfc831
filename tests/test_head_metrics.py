"""Head metrics (attnviz.analysis.head_metrics): hand-written patterns whose answers are known,
an independent per-query loop on real captures, the probe set, and SmolLM2's induction heads."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.testing import assert_close

import attnviz
from attnviz.analysis import head_metrics as hm
from attnviz.analysis import probes
from attnviz.errors import PositionError


def causal(n: int) -> torch.Tensor:
    return torch.ones(n, n, dtype=torch.bool).tril()


def full(n: int) -> torch.Tensor:
    return torch.ones(n, n, dtype=torch.bool)


def one_head(rows: list[list[float]]) -> torch.Tensor:
    return torch.tensor(rows)[None]  # [1, query_pos, key_pos]


def test_an_identity_pattern_is_all_self():
    n = 4
    got = hm.pattern_metrics(torch.eye(n)[None], full(n), torch.arange(n))
    assert_close(got["self"], torch.tensor([1.0]))
    assert_close(got["previous_token"], torch.tensor([0.0]))
    assert_close(got["first_token"], torch.tensor([1 / n]))  # only query 0 puts its weight on key 0
    assert_close(got["entropy"], torch.tensor([0.0]))
    assert_close(got["qk_distance"], torch.tensor([0.0]))
    assert_close(got["qk_distance_spread"], torch.tensor([0.0]))


def test_a_previous_token_head_under_the_causal_mask_leaves_the_first_query_out():
    n = 5
    pattern = torch.zeros(n, n)
    pattern[0, 0] = 1.0  # the first query can only attend to itself
    pattern[torch.arange(1, n), torch.arange(0, n - 1)] = 1.0
    got = hm.pattern_metrics(pattern[None], causal(n), torch.arange(n))
    assert_close(got["previous_token"], torch.tensor([1.0]))
    assert_close(got["self"], torch.tensor([0.0]))  # query 0's forced self-attention does not count
    assert_close(got["first_token"], torch.tensor([1 / (n - 1)]))  # only query 1's previous token is the first
    assert_close(got["qk_distance"], torch.tensor([1.0]))
    assert_close(got["qk_distance_spread"], torch.tensor([0.0]))


def test_a_uniform_causal_head_has_the_entropy_and_distances_of_an_even_spread():
    n = 6
    pattern = causal(n).float() / causal(n).sum(-1, keepdim=True)
    got = hm.pattern_metrics(pattern[None], causal(n), torch.arange(n))
    queries = range(1, n)  # query i spreads evenly over keys 0 … i
    assert_close(got["entropy"], torch.tensor([np.mean([math.log2(i + 1) for i in queries])]), check_dtype=False)
    assert_close(got["qk_distance"], torch.tensor([np.mean([i / 2 for i in queries])]), check_dtype=False)
    spread = np.mean([np.std(np.arange(i + 1)) for i in queries])  # the std of the distances 0 … i
    assert_close(got["qk_distance_spread"], torch.tensor([spread]), check_dtype=False)
    assert_close(got["first_token"], torch.tensor([np.mean([1 / (i + 1) for i in queries])]), check_dtype=False)


def test_induction_and_duplicate_token_heads_on_a_repeated_sequence():
    ids = torch.tensor([7, 8, 9, 7, 8, 9])  # a b c a b c: queries 3, 4, 5 repeat 0, 1, 2
    induction = torch.zeros(6, 6)
    duplicate = torch.zeros(6, 6)
    for i in range(6):
        induction[i, i - 2 if i >= 3 else 0] = 1.0  # the token after the earlier occurrence (i − 3 + 1)
        duplicate[i, i - 3 if i >= 3 else 0] = 1.0  # the earlier occurrence itself
    half = (induction + duplicate) / 2
    got = hm.pattern_metrics(torch.stack([induction, duplicate, half]), causal(6), ids)
    assert_close(got["induction"], torch.tensor([1.0, 0.0, 0.5]))
    assert_close(got["duplicate_token"], torch.tensor([0.0, 1.0, 0.5]))


def test_repeats_of_special_tokens_do_not_count_and_no_repeat_gives_nan():
    ids = torch.tensor([101, 5, 6, 102, 5, 102])  # [CLS] x y [SEP] x [SEP]
    pattern = torch.full((6, 6), 1 / 6)[None]
    got = hm.pattern_metrics(pattern, full(6), ids, special_ids={101, 102})
    assert_close(got["duplicate_token"], torch.tensor([1 / 6]))  # only query 4 (x) counts: one earlier occurrence
    assert_close(got["induction"], torch.tensor([1 / 6]))
    none = hm.pattern_metrics(pattern, full(6), torch.arange(6))
    assert torch.isnan(none["induction"]).all() and torch.isnan(none["duplicate_token"]).all()


def test_cls_and_sep_weights_and_masked_keys_never_count():
    ids = torch.tensor([101, 5, 6, 102])
    mask = full(4)
    mask[:, 2] = False  # a padding-like key: hidden from every query
    pattern = torch.tensor([[0.5, 0.2, 0.1, 0.2]] * 4)[None]  # 0.1 on the hidden key (a pattern could never hold it)
    got = hm.pattern_metrics(pattern, mask, ids, cls_id=101, sep_id=102)
    assert_close(got["cls"], torch.tensor([0.5]))
    assert_close(got["sep"], torch.tensor([0.2]))
    assert_close(got["qk_distance"], torch.tensor([np.mean([0.5 * abs(i) + 0.2 * abs(i - 1) + 0.2 * abs(i - 3) for i in range(4)])]), check_dtype=False)


def per_query_loop(cap, names_ids):
    """Every metric of every head by plain Python loops over queries and keys (float64), as the module docstring defines them."""
    ids = cap.token_ids.tolist()
    pattern = cap.pattern.full().double().numpy()
    mask = cap.attn_mask.numpy()
    n = cap.n_tokens
    out = {name: np.zeros((cap.n_layers, cap.n_heads)) for name in names_ids}
    for l in range(cap.n_layers):
        for h in range(cap.n_heads):
            values = {name: [] for name in names_ids}
            for i in range(n):
                allowed = [j for j in range(n) if mask[i, j]]
                if len(allowed) < 2:
                    continue
                w = pattern[l, h, i]
                values["self"].append(w[i])
                if i >= 1:
                    values["previous_token"].append(w[i - 1])
                values["first_token"].append(w[0])
                values["entropy"].append(-sum(w[j] * math.log2(w[j]) for j in allowed if w[j] > 0))
                d = sum(w[j] * abs(i - j) for j in allowed)
                values["qk_distance"].append(d)
                values["qk_distance_spread"].append(math.sqrt(sum(w[j] * (abs(i - j) - d) ** 2 for j in allowed)))
                earlier = [p for p in range(i) if ids[p] == ids[i]]
                if earlier:
                    values["duplicate_token"].append(sum(w[p] for p in earlier))
                    values["induction"].append(sum(w[p + 1] for p in earlier))
            for name in names_ids:
                out[name][l, h] = np.mean(values[name]) if values[name] else np.nan
    return out


def test_head_metrics_on_your_own_texts_equal_a_per_query_loop(tiny_llama):
    _, model = tiny_llama
    text = "the cat and the dog and the cat"
    got = attnviz.head_metrics(model, [text])
    assert set(got) == set(hm.metric_names(True))
    want = per_query_loop(model.run_with_capture(text), hm.POSITIONAL + hm.REPEATS)
    for name, value in want.items():
        assert got[name].dtype == torch.float32 and got[name].shape == (2, 4)
        assert_close(got[name], torch.from_numpy(value), rtol=1e-5, atol=1e-5, check_dtype=False, msg=name)


def test_two_texts_pool_their_queries(tiny_llama):
    _, model = tiny_llama
    texts = ["the cat sat", "a dog ran after the cat"]
    got = attnviz.head_metrics(model, texts)
    caps = [model.run_with_capture(t) for t in texts]
    counts = [c.n_tokens - 1 for c in caps]  # queries after the first
    each = [per_query_loop(c, ["self", "previous_token", "first_token", "entropy", "qk_distance", "qk_distance_spread", "duplicate_token", "induction"]) for c in caps]
    pooled = (each[0]["entropy"] * counts[0] + each[1]["entropy"] * counts[1]) / sum(counts)
    assert_close(got["entropy"], torch.from_numpy(pooled), rtol=1e-5, atol=1e-5, check_dtype=False)


def test_rows_derived_a_block_at_a_time_give_the_same_sums(tiny_llama, monkeypatch):
    _, model = tiny_llama
    texts = ["the cat and the dog and the cat sat on the mat"]
    whole = attnviz.head_metrics(model, texts)
    monkeypatch.setattr(hm, "ROW_BUDGET", 3 * model.config.n_heads)  # blocks of a few rows
    blocks = attnviz.head_metrics(model, texts)
    for name in whole:
        assert_close(blocks[name], whole[name], rtol=1e-6, atol=1e-6, equal_nan=True)


def test_the_built_in_probe_set_on_a_tiny_decoder(tiny_llama, monkeypatch):
    _, model = tiny_llama
    monkeypatch.setattr(probes, "SENTENCES", probes.SENTENCES[:8])  # fewer sentences: fast, the same code path
    fractions = []
    scores = hm.probe_scores(model, progress=fractions.append)
    got = scores.means()
    assert set(got) == set(hm.metric_names(True)) and "cls" not in got
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) == len(scores.inputs)
    for name, value in got.items():
        assert value.shape == (2, 4) and value.dtype == torch.float32 and not torch.isnan(value).any(), name
    for name in ("self", "previous_token", "first_token", "induction", "duplicate_token"):
        assert ((got[name] >= 0) & (got[name] <= 1)).all(), name
    longest = max(len(p.token_ids) for p in scores.inputs)
    assert (got["entropy"] <= math.log2(longest)).all()
    # induction is measured on the repeated random sequences only, and the sentences measure the rest
    kinds = [p.kind for p in scores.inputs]
    assert scores.counts["induction"][[k == "sentence" for k in kinds]].sum() == 0
    assert scores.counts["self"][[k == "repeated" for k in kinds]].sum() == 0
    top = scores.top_examples("induction", 1, 2, k=3)
    assert len(top) == 3 and all(kinds[i] == "repeated" for i, _ in top)
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)
    assert top[0][1] == pytest.approx(float(scores.per_input("induction")[:, 1, 2].nan_to_num(-1).max()))
    with pytest.raises(PositionError):
        scores.top_examples("induction", 2, 0)


def test_an_encoder_gets_cls_and_sep(tiny_bert):
    _, model = tiny_bert
    got = attnviz.head_metrics(model, ["The cat sat on the mat."])
    cap = model.run_with_capture("The cat sat on the mat.")
    pattern = cap.pattern.full()
    assert_close(got["cls"], pattern[..., 0].mean(-1))  # [CLS] is key 0, every query counts
    assert_close(got["sep"], pattern[..., -1].mean(-1))  # [SEP] is the last key


def test_repeated_sequences_are_seeded_distinct_and_framed_like_a_text(tiny_bert):
    _, model = tiny_bert
    tok = model.tokenizer
    a = probes.repeated_sequences(tok, count=3, length=10)
    assert a == probes.repeated_sequences(tok, count=3, length=10)
    assert a != probes.repeated_sequences(tok, count=3, length=10, seed=1)
    for ids in a:
        assert ids[0] == tok.cls_token_id and ids[-1] == tok.sep_token_id and len(ids) == 22
        r = ids[1:11]
        assert ids[11:21] == r and len(set(r)) == 10
        assert not any(t.startswith("[") for t in tok.convert_ids_to_tokens(r))
    with pytest.raises(ValueError):
        probes.repeated_sequences(tok, length=0)


@pytest.mark.slow
def test_smollm2_has_induction_heads_and_minilm_previous_token_heads(smollm2, minilm):
    got = attnviz.head_metrics(smollm2)
    induction = got["induction"]
    assert float(induction.max()) > 0.5  # Olsson et al. 2022: induction heads form in every model of this kind
    assert float(induction.median()) < 0.1  # most heads are something else
    assert float(got["previous_token"].max()) > 0.5
    bert = attnviz.head_metrics(minilm)
    assert float(bert["previous_token"].max()) > 0.9  # Clark et al. 2019 find such heads in BERT
    assert float(bert["cls"].max()) > 0.5 and "cls" not in got
