"""Attribution: rollout and flow by hand from Hugging Face's own attentions, gradients against finite differences,
integrated gradients' completeness, rank correlations by definition."""

from __future__ import annotations

import pytest
import torch

from attnviz.analysis import attribution as attr
from attnviz.errors import FlowLengthError, TokenChoiceError

SHORT = "the cat sat"  # [CLS] the cat sat [SEP]: 5 tokens in MiniLM's vocabulary


def hf_patterns(hf, ours, text: str) -> torch.Tensor:
    """Hugging Face eager's attentions for ``text``: [layer, head, query_pos, key_pos] (independent of our capture)."""
    enc = ours.tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        out = hf(**enc, output_attentions=True)
    return torch.stack([a[0] for a in out.attentions])


def test_rollout_equals_the_matrix_products_by_hand(tiny_bert):
    hf, ours = tiny_bert
    cap = ours.run_with_capture(SHORT)
    att = hf_patterns(hf, ours, SHORT)  # [2, 4, 5, 5]
    eye = torch.eye(5)
    a0 = 0.5 * att[0].mean(0) + 0.5 * eye
    a0 = a0 / a0.sum(-1, keepdim=True)
    a1 = 0.5 * att[1].mean(0) + 0.5 * eye
    a1 = a1 / a1.sum(-1, keepdim=True)
    got = attr.rollout(cap)
    assert got.shape == (2, 5, 5)
    torch.testing.assert_close(got[0], a0, rtol=0, atol=1e-5)
    torch.testing.assert_close(got[1], a1 @ a0, rtol=0, atol=1e-5)
    torch.testing.assert_close(got.sum(-1), torch.ones(2, 5), rtol=0, atol=1e-5)


def test_rollout_without_the_residual_is_the_plain_product_of_mean_patterns(tiny_bert):
    hf, ours = tiny_bert
    cap = ours.run_with_capture(SHORT)
    att = hf_patterns(hf, ours, SHORT)
    got = attr.rollout(cap, residual=False)
    torch.testing.assert_close(got[1], att[1].mean(0) @ att[0].mean(0), rtol=0, atol=1e-5)
    assert not torch.allclose(got[1], attr.rollout(cap)[1], atol=1e-3)


def test_flow_on_two_layers_is_the_sum_over_paths_of_the_narrower_edge(tiny_bert):
    """With two layers every path from input j to the output is j → k → query, the paths share no edge,
    so the max-flow is Σ_k min(A_0[k, j], A_1[query, k])."""
    hf, ours = tiny_bert
    cap = ours.run_with_capture(SHORT)
    att = hf_patterns(hf, ours, SHORT)
    eye = torch.eye(5)
    a = [(0.5 * att[layer].mean(0) + 0.5 * eye) for layer in range(2)]
    a = [m / m.sum(-1, keepdim=True) for m in a]
    for query in (0, 4):
        expected = torch.stack([torch.minimum(a[0][:, j], a[1][query]).sum() for j in range(5)])
        torch.testing.assert_close(attr.attention_flow(cap, query), expected, rtol=0, atol=1e-5)


def test_rollout_on_a_three_token_capture_entry_by_entry(tiny_bert):
    """[CLS] cat [SEP]: every entry of R_1 = A_1 · A_0 written out as a sum over the middle token, from Hugging Face's attentions."""
    hf, ours = tiny_bert
    cap = ours.run_with_capture("cat")
    assert cap.n_tokens == 3
    att = hf_patterns(hf, ours, "cat").double()  # [2, 4, 3, 3]
    a = [[[0.5 * float(att[layer, :, i, j].mean()) + 0.5 * (i == j) for j in range(3)] for i in range(3)] for layer in range(2)]
    a = [[[v / sum(row) for v in row] for row in layer] for layer in a]
    expected = [[sum(a[1][i][k] * a[0][k][j] for k in range(3)) for j in range(3)] for i in range(3)]
    torch.testing.assert_close(attr.rollout(cap)[1].double(), torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-5)


@pytest.mark.slow
def test_flow_on_minilm_equals_an_independent_max_flow(minilm, minilm_hf):
    """Six layers: the graph built here from Hugging Face's attentions, solved by Edmonds–Karp (attnviz uses preflow-push)."""
    import networkx as nx
    from networkx.algorithms.flow import edmonds_karp

    text = "The cat sat on the mat."
    cap = minilm.run_with_capture(text)
    att = hf_patterns(minilm_hf, minilm, text).double()  # [6, 12, n, n]
    n = cap.n_tokens
    graph = nx.DiGraph()
    for layer in range(6):
        mixed = 0.5 * att[layer].mean(0) + 0.5 * torch.eye(n, dtype=torch.float64)
        mixed = mixed / mixed.sum(-1, keepdim=True)
        for i in range(n):
            for j in range(n):
                graph.add_edge(f"{layer}:{j}", f"{layer + 1}:{i}", capacity=float(mixed[i, j]))
    expected = [nx.maximum_flow_value(graph, f"0:{j}", "6:0", flow_func=edmonds_karp) for j in range(n)]
    torch.testing.assert_close(attr.attention_flow(cap, 0).double(), torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-4)


def test_flow_refuses_long_inputs(tiny_bert):
    _, ours = tiny_bert
    cap = ours.run_with_capture(SHORT)
    with pytest.raises(FlowLengthError, match="up to 4 tokens"):
        attr.attention_flow(cap, max_tokens=4)


def _tiny_output(model) -> attr.Output:
    ids = model.tokenize("The quick brown fox jumps over the lazy")[0]["input_ids"][0]
    return attr.Output("logit_diff", ids, torch.zeros_like(ids), target=int(ids[2]), distractor=int(ids[3]))


def test_grad_x_input_equals_a_finite_difference(tiny_llama):
    """Σ_d x_id ∂f/∂x_id = d/dt f(x with token i scaled by 1 + t) at t = 0, by central differences."""
    _, ours = tiny_llama
    out = _tiny_output(ours)
    got = attr.grad_x_input(ours, out)
    x = attr._embedding(ours, out).double()
    h = 1e-3
    expected = []
    for i in range(len(out.token_ids)):
        values = []
        for sign in (1, -1):
            scaled = x.clone()
            scaled[i] *= 1 + sign * h
            with torch.no_grad():
                values.append(float(attr.output_value(ours, out, lambda value, s=scaled: s.float()[None])[0]))
        expected.append((values[0] - values[1]) / (2 * h))
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float32), rtol=2e-2, atol=2e-3)


def test_integrated_gradients_add_up_to_the_output_change_on_a_tiny_llama(tiny_llama):
    """From the vocabulary-mean baseline (a pre-norm decoder's path from zero is not integrable: see baseline_embedding)."""
    _, ours = tiny_llama
    baseline = "mean"
    out = _tiny_output(ours)
    ig = attr.integrated_gradients(ours, out, steps=64, baseline=baseline)
    x = attr._embedding(ours, out)
    with torch.no_grad():
        fx = float(attr.output_value(ours, out, lambda value: x[None])[0])
        fb = float(attr.output_value(ours, out, lambda value: attr.baseline_embedding(ours, out, x, baseline)[None])[0])
    assert ig.value == pytest.approx(fx, abs=1e-5) and ig.baseline_value == pytest.approx(fb, abs=1e-5)
    assert abs(fx - fb) > 1e-3
    assert abs(float(ig.attributions.sum()) - (fx - fb)) <= 0.01 * abs(fx - fb)
    assert ig.gap < 0.01


def test_the_mean_baseline_replaces_every_token_but_the_first(tiny_llama):
    """b_i = x_i − W_E[id_i] + mean_v W_E[v] for i > 0; the first position (the attention sink) keeps x_0."""
    _, ours = tiny_llama
    out = _tiny_output(ours)
    x = attr._embedding(ours, out)
    b = attr.baseline_embedding(ours, out, x, "mean")
    rows = ours.network.embed.W_E.detach()
    torch.testing.assert_close(b[0], x[0], rtol=0, atol=0)
    torch.testing.assert_close(b[1:], rows.mean(0).expand(len(x) - 1, -1), rtol=0, atol=1e-6)  # Llama: no position embedding
    ig = attr.integrated_gradients(ours, out, steps=16)
    assert ig.attributions[0] == 0


@pytest.mark.slow
def test_integrated_gradients_equal_a_fine_riemann_sum_by_hand(tiny_llama):
    """Per token, against Sundararajan et al.'s Eq. 3 with 2,048 midpoints, the gradients taken here by autograd."""
    _, ours = tiny_llama
    out = _tiny_output(ours)
    x = attr._embedding(ours, out)
    b = attr.baseline_embedding(ours, out, x, "mean")
    summed = torch.zeros_like(x, dtype=torch.float64)
    for alphas in ((torch.arange(2048, dtype=torch.float64) + 0.5) / 2048).split(512):
        points = (b + alphas[:, None, None].float() * (x - b)).requires_grad_(True)
        with torch.enable_grad():
            values = attr.output_value(ours, out, lambda value, points=points: points, batch=len(alphas))
            (grad,) = torch.autograd.grad(values.sum(), points)
        summed += grad.double().sum(0) / 2048
    expected = (summed * (x - b).double()).sum(-1).float()
    ig = attr.integrated_gradients(ours, out, steps=32)
    torch.testing.assert_close(ig.attributions, expected, rtol=0, atol=1e-3 * float(expected.abs().max()))


@pytest.mark.slow
def test_the_rule_has_the_steps_asked_for_and_halves_where_it_misses_most(tiny_bert):
    """128 points from 32 pieces halved 32 times: 64 pieces placed by f's variation alone (no halving) miss more."""
    _, ours = tiny_bert
    out = attr.sentence_similarity(ours, "the cat sat on the mat", "a dog lay on a rug")
    x = attr._embedding(ours, out)
    b = attr.baseline_embedding(ours, out, x, "zero")
    edges = attr.path_edges(attr.path_values(ours, out, b, x), 64)  # 128 points placed by f's variation, not refined
    unrefined = attr._piece_gradients(ours, out, b, x, edges[:-1], edges[1:], 16).sum(0)
    change = float(attr.path_values(ours, out, b, x, edges[[0, -1]]).diff()[0])
    unrefined_gap = abs(float((unrefined * (x - b).double()).sum()) - change) / abs(change)
    ig = attr.integrated_gradients(ours, out, steps=128)
    assert ig.steps == 128 and ig.gap < unrefined_gap / 10, (ig.gap, unrefined_gap)


def test_integrated_gradients_of_a_sentence_similarity_on_a_tiny_bert(tiny_bert):
    hf, ours = tiny_bert
    out = attr.sentence_similarity(ours, "the cat sat on the mat", "a dog lay on a rug")
    enc = ours.tokenizer("a dog lay on a rug", return_tensors="pt")
    with torch.no_grad():
        other = hf(**enc).last_hidden_state[0].mean(0)
    torch.testing.assert_close(out.other, other, rtol=0, atol=1e-5)  # the pooled second sentence, by Hugging Face
    ig = attr.integrated_gradients(ours, out, steps=128)  # f rises 0.33 -> 0.94 from α = 1e-11 to 1e-6 (its LayerNorm's ε): 64 steps leave 2.3%
    assert ig.baseline == "zero" and ig.steps == 128 and ig.gap < 0.01
    assert all(p.grad is None for p in ours.network.parameters())  # gradients of activations only


def test_the_weights_are_untouched_and_no_parameter_gradient_is_written(tiny_llama):
    _, ours = tiny_llama
    before = {name: p.detach().clone() for name, p in ours.network.named_parameters()}
    attr.integrated_gradients(ours, _tiny_output(ours), steps=16)
    attr.grad_x_input(ours, _tiny_output(ours))
    for name, p in ours.network.named_parameters():
        assert torch.equal(p, before[name]) and p.grad is None, name


def test_mean_baseline_is_for_decoders_only(tiny_bert):
    from attnviz.errors import ConfigError

    _, ours = tiny_bert
    out = attr.sentence_similarity(ours, "the cat sat", "a dog")
    with pytest.raises(ConfigError):
        attr.integrated_gradients(ours, out, steps=16, baseline="mean")


def test_target_must_be_one_token(tiny_llama):
    _, ours = tiny_llama
    with pytest.raises(TokenChoiceError, match="exactly one token"):
        attr.logit_difference(ours, "The quick brown fox", " the lazy dog", " fox")


def test_spearman_by_definition():
    assert attr.spearman(torch.tensor([1.0, 2, 3, 4]), torch.tensor([10.0, 20, 30, 40])) == pytest.approx(1.0)
    assert attr.spearman(torch.tensor([1.0, 2, 3, 4]), torch.tensor([4.0, 3, 2, 1])) == pytest.approx(-1.0)
    # ties share their mean rank: ranks of [1, 1, 2] are [0.5, 0.5, 2]; of [1, 2, 3] are [0, 1, 2]
    ra, rb = torch.tensor([0.5, 0.5, 2.0]), torch.tensor([0.0, 1.0, 2.0])
    ra, rb = ra - ra.mean(), rb - rb.mean()
    expected = float((ra * rb).sum() / (ra.norm() * rb.norm()))
    assert attr.spearman(torch.tensor([1.0, 1, 2]), torch.tensor([1.0, 2, 3])) == pytest.approx(expected)
    assert attr.spearman(torch.tensor([1.0, 1, 1]), torch.tensor([1.0, 2, 3])) != attr.spearman(torch.tensor([1.0, 1, 1]), torch.tensor([1.0, 2, 3]))  # NaN
    table = attr.rank_correlations({"a": torch.tensor([1.0, 2, 3]), "b": torch.tensor([3.0, 1, 2])})
    assert table.shape == (2, 2) and table[0, 0] == pytest.approx(1.0) and table[0, 1] == pytest.approx(table[1, 0])


@pytest.mark.slow
def test_integrated_gradients_completeness_on_minilm(minilm):
    out = attr.sentence_similarity(minilm, "A man is playing a guitar.", "Someone is playing an instrument.")
    ig = attr.integrated_gradients(minilm, out, steps=128)
    assert ig.gap < 0.01, ig


@pytest.mark.slow
def test_integrated_gradients_completeness_on_smollm2_ioi(smollm2):
    """Sundararajan et al.'s completeness within 1% on the indirect-object logit difference (113% before the first
    token was kept in the baseline and the pieces were halved where they missed f's change)."""
    prompt = "When Mary and John went to the store, John gave a drink to"
    out = attr.logit_difference(smollm2, prompt, " Mary", " John")
    ig = attr.integrated_gradients(smollm2, out, steps=128)
    logits = smollm2.run_with_capture(prompt).logits[-1]
    assert ig.value == pytest.approx(float(logits[out.target] - logits[out.distractor]), abs=1e-3)
    assert abs(ig.value - ig.baseline_value) > 1 and ig.attributions[0] == 0
    assert ig.gap < 0.01, ig


@pytest.mark.slow
def test_explain_on_smollm2_ioi(smollm2):
    prompt = "When Mary and John went to the store, John gave a drink to"
    cap = smollm2.run_with_capture(prompt)
    out = attr.logit_difference(smollm2, prompt, " Mary", " John")
    result = attr.explain(smollm2, cap, out, steps=32)
    logits = cap.logits[-1]
    assert result.ig.value == pytest.approx(float(logits[out.target] - logits[out.distractor]), abs=1e-3)
    assert set(result.scores) == set(attr.METHODS) and all(s.shape == (cap.n_tokens,) for s in result.scores.values())
    torch.testing.assert_close(result.scores["attention"], cap.pattern[-1, :, -1].mean(0))
    assert result.correlations.shape == (5, 5)
