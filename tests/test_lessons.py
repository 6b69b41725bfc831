"""Lessons 1-4: word vectors, the shop search, soft/hard/local attention, scoring rules (pure functions)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.testing import assert_close

from attnviz.analysis.heads import head_weights
from attnviz.analysis.metrics import entropy_bits
from attnviz.errors import CatalogueError, EmptyCatalogueError, EmptyTextError, LessonValueError, PositionError, UnknownWordError
from attnviz.lessons import scoring, search, soft_hard
from attnviz.lessons import word_vectors as wv
from attnviz.lessons.quiz import Question

TIRED = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def cap(minilm):
    return minilm.run_with_capture(TIRED)


# lesson 1: word vectors


def test_one_hot_rows_select_rows_of_the_embedding_matrix(minilm):
    W_E = minilm.network.embed.W_E.detach()
    ids = torch.tensor([101, 2332, 3035, 102])
    codes = wv.one_hot(ids, W_E.shape[0])
    assert codes.shape == (4, 30522) and codes.dtype == torch.float32
    assert torch.equal(codes.sum(-1), torch.ones(4)) and torch.equal(codes.argmax(-1), ids)
    assert_close(codes @ W_E, W_E[ids], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="token ids"):
        wv.one_hot(torch.tensor([30522]), 30522)


def test_sentence_memory_one_hot_vs_embedding():
    sizes = wv.sentence_bytes(16, 30522, 384)
    assert sizes == {"one_hot": 16 * 30522 * 4, "embedding": 16 * 384 * 4}


def test_word_ids_and_unknown_words(minilm):
    tok = minilm.tokenizer
    assert wv.word_ids(tok, "king") == [tok.vocab["king"]]
    assert len(wv.word_ids(tok, "thinkpad")) > 1  # split into word pieces
    with pytest.raises(UnknownWordError, match="笔"):
        wv.word_ids(tok, "笔")
    with pytest.raises(EmptyTextError):
        wv.word_ids(tok, "  ")
    assert wv.split_words("king, queen  man，king") == ["king", "queen", "man"]


def test_one_hot_cosines_are_zero_and_embeddings_are_graded(minilm):
    tok, W_E = minilm.tokenizer, minilm.network.embed.W_E.detach()
    ids = [wv.word_ids(tok, w) for w in ("king", "queen", "banana")]
    one_hot = wv.cosine_matrix(wv.one_hot_vectors(ids, 30522))
    assert torch.equal(one_hot, torch.eye(3))
    emb = wv.cosine_matrix(wv.word_vectors(W_E, ids))
    rows = W_E[[i[0] for i in ids]].numpy()
    unit = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    assert_close(emb.numpy(), unit @ unit.T, rtol=1e-5, atol=1e-5, check_dtype=False)
    assert emb[0, 1] > emb[0, 2]  # king is nearer to queen than to banana


def test_nearest_neighbours_match_an_independent_search(minilm):
    tok, W_E = minilm.tokenizer, minilm.network.embed.W_E.detach()
    king = tok.vocab["king"]
    found, sims = wv.nearest_neighbours(W_E, W_E[king], 8, exclude=[king])
    table = W_E.numpy() / np.linalg.norm(W_E.numpy(), axis=1, keepdims=True)
    cos = table @ table[king]
    cos[king] = -np.inf
    expected = np.argsort(-cos)[:8]
    assert found.tolist() == expected.tolist()
    assert_close(sims.numpy(), cos[expected], rtol=1e-5, atol=1e-5, check_dtype=False)


def test_nearest_word_question(minilm):
    sims = torch.tensor([[1.0, 0.2, 0.7, 0.1], [0.2, 1, 0, 0], [0.7, 0, 1, 0], [0.1, 0, 0, 1]])
    one_hot = torch.eye(4)
    one_hot[0, 2] = one_hot[2, 0] = 0.5
    q = wv.nearest_word_question(["king", "apple", "queen", "car"], sims, one_hot)
    assert q.options == ("apple", "queen", "car") and q.options[q.answer] == "queen"
    assert q.explanation_params["one_hot_cos"] == "0.50"
    assert wv.nearest_word_question(["king", "queen"], sims[:2, :2], one_hot[:2, :2]) is None


# lesson 2: the shop search


def test_parse_catalogue_and_its_errors():
    cat = search.parse_catalogue("Laptop, 14 inch | computer, portable\n\n  Mouse｜computer；accessory  \nChair | 家具、soft\n")
    assert cat.titles == ["Laptop, 14 inch", "Mouse", "Chair"]
    assert cat.features == ["computer", "portable", "accessory", "家具", "soft"]
    assert torch.equal(cat.values, torch.tensor([[1.0, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 0, 0, 1, 1]]))
    with pytest.raises(CatalogueError) as err:
        search.parse_catalogue("Laptop | computer\nChair | 149 | 3.9")
    assert err.value.params["line"] == 2
    for bad in ("Chair", " | furniture", "Chair |  , ", "Chair | a | b"):
        with pytest.raises(CatalogueError):
            search.parse_catalogue(bad)
    with pytest.raises(EmptyCatalogueError):
        search.parse_catalogue(" \n ")


def test_sentence_embedding_is_hugging_faces_mean_pooling(minilm, minilm_hf):
    texts = ["laptop", "Paper notebook, A5, lined"]
    ours = torch.stack([search.sentence_embedding(minilm.run_with_capture(t)) for t in texts])
    enc = minilm.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = minilm_hf(**enc).last_hidden_state
    mask = enc["attention_mask"][..., None].float()
    theirs = F.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
    padded = minilm.run_batch_with_capture(texts)
    assert_close(search.sentence_embedding(padded[0]), theirs[0], rtol=1e-5, atol=1e-5)


def test_search_attention_steps():
    query = torch.tensor([1.0, 0.0])
    keys = torch.tensor([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]])
    values = torch.tensor([[10.0, 1.0], [20.0, 2.0], [30.0, 3.0]])
    result = search.search_attention(query, keys, values, 0.5)
    assert_close(result.similarity, torch.tensor([1.0, 0.0, -1.0]), rtol=1e-5, atol=1e-8)
    expected = np.exp([2.0, 0.0, -2.0]) / np.exp([2.0, 0.0, -2.0]).sum()
    assert_close(result.weights.numpy(), expected, rtol=1e-5, atol=1e-6, check_dtype=False)
    assert_close(result.output.numpy(), expected @ values.numpy(), rtol=1e-5, atol=1e-5, check_dtype=False)
    with pytest.raises(LessonValueError):
        search.search_attention(query, keys, values, 0)


def test_search_prefers_laptops_for_laptop(minilm):
    titles = ["Lenovo ThinkPad laptop", "Office chair with armrests", "Wireless mouse"]
    vectors = [search.sentence_embedding(minilm.run_with_capture(t)) for t in ["laptop", *titles]]
    result = search.search_attention(vectors[0], torch.stack(vectors[1:]), torch.ones(3, 2), 0.05)
    q = search.top_item_question("laptop", titles, result)
    assert q.options[q.answer] == "Lenovo ThinkPad laptop"
    W_E = minilm.network.embed.W_E.detach()
    assert_close(search.word_embedding(W_E, minilm.tokenizer, "king"), F.normalize(W_E[minilm.tokenizer.vocab["king"]], dim=0), rtol=1e-5, atol=1e-8)
    assert search.unknown_pieces(minilm.tokenizer, "笔记本") and not search.unknown_pieces(minilm.tokenizer, "laptop")


# lesson 3: soft, hard, local, general


def test_hard_weights_are_zero_or_one_and_sum_to_one(cap):
    scores = cap.head_scores_raw(4, 7)
    hard = soft_hard.hard_weights(scores, 1)
    assert set(hard.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(hard.sum(-1), torch.ones(cap.n_tokens))
    assert torch.equal(hard.argmax(-1), scores.argmax(-1))
    top3 = soft_hard.hard_weights(scores, 3)
    assert torch.equal((top3 > 0).sum(-1), torch.full((cap.n_tokens,), 3))
    assert_close(top3.sum(-1), torch.ones(cap.n_tokens), rtol=1e-5, atol=1e-8)
    for k in (0, cap.n_tokens + 1):
        with pytest.raises(LessonValueError):
            soft_hard.hard_weights(scores, k)


def test_soft_weights_are_the_models_pattern_and_hard_throws_the_rest_away(cap):
    scores = cap.head_scores_raw(4, 7)
    soft = soft_hard.soft_weights(scores)
    assert_close(soft, cap.pattern[4, 7], rtol=1e-5, atol=1e-6)
    thrown = soft_hard.discarded_weight(soft, soft_hard.hard_weights(scores, 1))
    assert_close(thrown, 1 - soft.max(-1).values, rtol=1e-5, atol=1e-6)
    v = cap.v[4, :, 7]
    assert_close(soft_hard.output_change(soft, soft, v), torch.zeros(cap.n_tokens), rtol=1e-5, atol=1e-8)
    moved = soft_hard.output_change(soft, soft_hard.hard_weights(scores, 1), v)
    z_soft, z_hard = soft @ v, v[scores.argmax(-1)]
    assert_close(moved, (z_hard - z_soft).norm(dim=-1) / z_soft.norm(dim=-1), rtol=1e-5, atol=1e-5)


def test_local_attention_only_sees_its_window(cap):
    n = cap.n_tokens
    mask = soft_hard.local_attn_mask(n, 2)
    assert mask.sum(-1).tolist() == [min(n, i + 3) - max(0, i - 2) for i in range(n)]
    local = soft_hard.local_weights(cap.head_scores_raw(1, 3), 2)
    assert torch.equal(local[~mask], torch.zeros(int((~mask).sum())))
    assert_close(local.sum(-1), torch.ones(n), rtol=1e-5, atol=1e-8)
    assert_close(soft_hard.local_weights(cap.head_scores_raw(1, 3), n), cap.pattern[1, 3], rtol=1e-5, atol=1e-6)
    with pytest.raises(LessonValueError):
        soft_hard.local_attn_mask(n, -1)


def test_general_attention_of_a_sentence_with_itself_is_self_attention(minilm, cap):
    weights = head_weights(minilm, 3, 5)
    same = soft_hard.general_attention(cap.resid_pre[3], cap.resid_pre[3], weights)
    assert_close(same, cap.pattern[3, 5], rtol=1e-5, atol=1e-5)
    other = minilm.run_with_capture("A short one.")
    cross = soft_hard.general_attention(other.resid_pre[3], cap.resid_pre[3], weights)
    assert cross.shape == (other.n_tokens, cap.n_tokens)
    assert_close(cross.sum(-1), torch.ones(other.n_tokens), rtol=1e-5, atol=1e-8)


def test_head_weights_are_copies(minilm):
    w = head_weights(minilm, 0, 0)
    before = minilm.network.blocks[0].attn.W_Q[0].clone()
    w.W_Q.add_(1.0)
    assert torch.equal(minilm.network.blocks[0].attn.W_Q[0], before)
    with pytest.raises(PositionError, match="0 to 6 − 1"):  # an AttnvizError with a message, not an IndexError
        head_weights(minilm, 6, 0)


def test_discarded_question_buckets():
    assert [soft_hard.discarded_question("it", x, 4, 7).answer for x in (0.1, 0.3, 0.6, 0.99, 1.0)] == [0, 1, 2, 3, 3]


# lesson 4: scoring rules


def test_every_rule_gives_query_by_key_scores_with_the_documented_parameter_count(cap):
    q, k = cap.q[2, :, 3], cap.k[2, :, 3]
    d = q.shape[-1]
    params = scoring.random_scoring_params(d, 16, seed=0)
    expected = {"additive": 2 * d * 16 + 16, "dot": 0, "general": d * d, "scaled_dot": 0}
    assert set(scoring.RULES) == set(expected)
    for rule in scoring.RULES:
        assert scoring.scores(rule, q[:5], k, params).shape == (5, cap.n_tokens)
        assert params.count(rule) == expected[rule]
        assert_close(scoring.weights(rule, q, k, params).sum(-1), torch.ones(cap.n_tokens), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="unknown scoring rule"):
        scoring.scores("cosine", q, k, params)
    with pytest.raises(LessonValueError):
        scoring.random_scoring_params(0, 16)


def test_scores_match_the_formulas_pair_by_pair(cap):
    q, k = cap.q[2, :4, 3], cap.k[2, :5, 3]
    p = scoring.random_scoring_params(q.shape[-1], 8, seed=3)
    for i in range(4):
        for j in range(5):
            pair = torch.cat([q[i], k[j]])
            additive = p.additive_v @ torch.tanh(p.additive_W @ pair)
            assert torch.isclose(scoring.scores("additive", q, k, p)[i, j], additive, atol=1e-5)
            assert torch.isclose(scoring.scores("general", q, k, p)[i, j], q[i] @ p.general_W @ k[j], atol=1e-4)
            assert torch.isclose(scoring.scores("dot", q, k, p)[i, j], q[i] @ k[j], atol=1e-4)


def test_scaled_dot_is_the_heads_pattern_and_scaling_flattens_the_softmax(cap):
    q, k = cap.q[2, :, 3], cap.k[2, :, 3]
    p = scoring.random_scoring_params(q.shape[-1], q.shape[-1])
    assert_close(scoring.weights("scaled_dot", q, k, p), cap.pattern[2, 3], rtol=1e-5, atol=1e-6)
    dot, scaled = scoring.weights("dot", q, k, p), scoring.weights("scaled_dot", q, k, p)
    assert torch.equal(dot.argmax(-1), scaled.argmax(-1))
    assert entropy_bits(scaled).mean() > entropy_bits(dot).mean()


def test_seq2seq_decoder_step_shapes_and_values():
    m = scoring.random_seq2seq(seed=1)
    steps = {s.name: s.tensor for s in scoring.decoder_step(m)}
    shapes = {name: tuple(t.shape) for name, t in steps.items()}
    assert shapes == {
        "Q": (1, 1, 32), "K": (1, 1, 32), "V": (1, 32, 64), "cat": (1, 64), "scores": (1, 32),
        "weights": (1, 32), "applied": (1, 1, 64), "combined": (1, 96), "output": (1, 1, 32),
    }  # fmt: skip
    assert torch.isclose(steps["weights"].sum(), torch.tensor(1.0))
    attn = torch.nn.Linear(64, 32)
    combine = torch.nn.Linear(96, 32)
    with torch.no_grad():
        attn.weight.copy_(m.W_attn), attn.bias.copy_(m.b_attn), combine.weight.copy_(m.W_combine), combine.bias.copy_(m.b_combine)
        w = F.softmax(attn(torch.cat((m.Q[0], m.K[0]), 1)), dim=1)
        applied = torch.bmm(w.unsqueeze(0), m.V)
        out = combine(torch.cat((m.Q[0], applied[0]), 1)).unsqueeze(0)
    assert_close(steps["output"], out, rtol=1e-5, atol=1e-5)
    other = {s.name: s.tensor.shape for s in scoring.decoder_step(scoring.random_seq2seq(8, 4, 10, 16, 5))}
    assert other["weights"] == (1, 10) and other["applied"] == (1, 1, 16) and other["output"] == (1, 1, 5)
    with pytest.raises(LessonValueError):
        scoring.random_seq2seq(value_size=0)


def test_question_rejects_an_answer_outside_the_options():
    with pytest.raises(ValueError, match="not an index"):
        Question("lesson1_q_prompt", ("a", "b"), 2, "lesson1_q_explain")
    q = Question("lesson1_q_prompt", ("a", "b"), 1, "lesson1_q_explain", params={"word": "x"})
    assert q.fingerprint != Question("lesson1_q_prompt", ("a", "b"), 0, "lesson1_q_explain", params={"word": "x"}).fingerprint


def test_escape_markdown_escapes_every_markup_character():
    from attnviz.lessons.safe_text import escape_markdown, escape_params

    assert escape_markdown("![x](http://e.com/a.png)") == r"\!\[x\]\(http\://e\.com/a\.png\)"
    assert escape_markdown("<b>$x$</b>") == r"\<b\>\$x\$\</b\>"
    assert escape_markdown("laptop 14") == "laptop 14"
    assert escape_params({"word": "*a*", "n": 3}) == {"word": r"\*a\*", "n": "3"}


def test_translation_keys_built_from_names_exist():
    from attnviz.i18n import TABLE
    from attnviz.lessons import block, cost
    from attnviz.plots.lessons import DIAGRAM_BOXES

    keys = [f"lesson{n}_{part}" for n in range(1, 11) for part in ("title", "nav", "intro", "numbers")]
    keys += [f"lesson4_rule_{r}" for r in scoring.RULES] + [f"lesson4_step_{s.name}" for s in scoring.decoder_step(scoring.random_seq2seq())]
    keys += [f"lesson7_box_{b}" for b in DIAGRAM_BOXES] + [f"lesson7_group_{g}" for g in block.GROUPS]
    keys += [f"lesson8_kind_{k}" for k, *_ in cost.COMPLEXITY] + [f"lesson8_layer_{layer}" for layer in cost.LAYERS]
    keys += [f"lesson2_vectors_{k}" for k in ("sentence", "word")] + [f"lesson2_similarity_{k}" for k in ("sentence", "word")]
    keys += list(soft_hard.BUCKETS) + [f"lesson4_source_{r}" for r in scoring.RULES] + list(scoring.CHANGES)
    assert [k for k in keys if k not in TABLE] == []
