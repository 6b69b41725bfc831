"""The decoder pages and the Explorer on SmolLM2, driven like a user with AppTest.

Every number shown is checked against an independent computation from a fresh capture
(softmax in numpy, the RoPE formula, dot products in torch) or against Hugging Face.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from apptest_helpers import array, figures, new_app, shown_text
from decoder_helpers import hf_greedy
from torch.testing import assert_close

PROMPT = "The capital of France is"


def open_page(page: str, **query):
    at = new_app(**query).run()
    return at.switch_page(page).run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def softmax(logits: torch.Tensor, temperature: float) -> np.ndarray:
    z = logits.double().numpy() / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.mark.slow
def test_next_token_shows_the_models_top_k_and_the_temperature_only_changes_the_view(smollm2):
    from attnviz.app import ui
    at = open_page("pages/next_token.py")
    assert not at.exception
    assert at.title[0].value == "Next-token prediction"
    logits = smollm2.run_with_capture(PROMPT).logits[-1]
    for temperature, k in ((1.0, 10), (0.5, 10), (2.0, 3)):
        at.slider(key="dec_temperature").set_value(temperature).run()
        at.slider(key="dec_top_k").set_value(k).run()
        assert not at.exception
        bars = chart(at, "dec_next_chart")["data"][0]
        expected = softmax(logits, temperature)
        top = np.argsort(-expected)[:k]
        assert_close(array(bars["x"]), expected[top], rtol=1e-5, atol=1e-6, check_dtype=False)
        assert bars["y"] == [f"“{tok}”" for tok in smollm2.token_strings(top.tolist())]
        assert f"T = {temperature:g}" in chart(at, "dec_next_chart")["layout"]["title"]["text"]
    assert bars["y"][0] == "“ Paris”"
    assert "sum to 1.0000" in shown_text(at)
    misses = ui.capture_cache().misses
    at.slider(key="dec_temperature").set_value(1.5).run()
    at.slider(key="dec_top_k").set_value(20).run()
    assert ui.capture_cache().misses == misses  # the model did not run again


@pytest.mark.slow
def test_next_token_after_an_earlier_position_names_the_actual_next_token(smollm2):
    at = open_page("pages/next_token.py")
    at.selectbox(key="dec_position").set_value(2).run()  # after " of"
    assert not at.exception
    cap = smollm2.run_with_capture(PROMPT)
    probs = softmax(cap.logits[2], 1.0)
    actual = int(cap.token_ids[3])
    assert "“ France”" in shown_text(at)
    assert f"{probs[actual]:.4f}" in shown_text(at)
    assert f"rank {int((probs > probs[actual]).sum()) + 1}" in shown_text(at)
    assert_close(array(chart(at, "dec_next_chart")["data"][0]["x"]), np.sort(probs)[::-1][:10].copy(), rtol=1e-5, atol=1e-6, check_dtype=False)


@pytest.mark.slow
def test_next_token_in_chinese_with_a_blank_and_a_hostile_prompt():
    at = open_page("pages/next_token.py")
    at.selectbox(key="lang").set_value("zh").run()
    assert not at.exception and at.title[0].value == "下一个 token 的预测"
    at.text_area(key="dec_prompt").set_value("   ").run()
    assert not at.exception and "提示词" in shown_text(at) and not figures(at)
    at.text_area(key="dec_prompt").set_value("<img src=x onerror=alert(1)> is").run()
    assert not at.exception
    fig = chart(at, "dec_next_chart")
    text = json.dumps(fig["layout"]["title"]) + json.dumps(fig["data"][0]["y"])
    assert "<img" not in text


@pytest.mark.slow
def test_generation_steps_forward_and_back_like_hf_greedy_generate(smollm2, smollm2_hf):
    at = open_page("pages/generation.py")
    assert not at.exception and "Step 0" in at.info[0].value
    for _ in range(3):
        at.button(key="dec_forward").click().run()
    assert not at.exception
    prompt_ids = smollm2.tokenizer(PROMPT)["input_ids"]
    chosen = hf_greedy(smollm2_hf, prompt_ids, 3)
    newest = smollm2.token_strings([chosen[-1]])[0]  # a newline shows as ↵
    assert at.success[0].value.startswith(f"Step 3: the newest token is “{newest}”")
    assert at.text[0].value.strip() == smollm2.tokenizer.decode(prompt_ids + chosen).strip()
    cap = smollm2.run_tokens_with_capture(prompt_ids + chosen)
    z = array(chart(at, "dec_rows_chart")["data"][0]["z"])
    assert z.shape == (30, len(prompt_ids) + 3)
    assert_close(z, cap.pattern[:, :, -1, :].mean(1).numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    assert np.allclose(z.sum(-1), 1, atol=1e-5)

    at.selectbox(key="dec_head").set_value(4).run()
    assert_close(array(chart(at, "dec_rows_chart")["data"][0]["z"]), cap.pattern[:, 4, -1, :].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    at.button(key="dec_back").click().run()
    assert at.success[0].value.startswith("Step 2") and at.text[0].value.strip() == smollm2.tokenizer.decode(prompt_ids + chosen[:2]).strip()
    at.button(key="dec_forward").click().run()
    assert at.success[0].value.startswith(f"Step 3: the newest token is “{newest}”")
    at.button(key="dec_restart").click().run()
    assert "Step 0" in at.info[0].value


@pytest.mark.slow
def test_seeded_sampling_gives_the_same_tokens_again_and_a_probability_from_the_model(smollm2):
    at = open_page("pages/generation.py")
    at.radio(key="dec_strategy").set_value("sample").run()
    at.slider(key="dec_gen_temperature").set_value(1.4).run()
    at.number_input(key="dec_seed").set_value(7).run()

    def three_steps() -> str:
        for _ in range(3):
            at.button(key="dec_forward").click().run()
        assert not at.exception
        return at.text[0].value

    first = three_steps()
    at.button(key="dec_restart").click().run()
    assert three_steps() == first
    status = at.success[0].value
    prompt_ids = smollm2.tokenizer(PROMPT)["input_ids"]
    cap = smollm2.run_tokens_with_capture(smollm2.tokenizer(first)["input_ids"][:-1])
    last = smollm2.tokenizer(first)["input_ids"][-1]
    assert f"{softmax(cap.logits[-1], 1.4)[last]:.4f}" in status
    assert first.startswith(PROMPT) and len(smollm2.tokenizer(first)["input_ids"]) >= len(prompt_ids) + 1


@pytest.mark.slow
def test_rope_and_gqa_page_shows_the_models_numbers(smollm2):
    at = open_page("pages/rope_gqa.py")
    at.selectbox(key="dec_rope_layer").set_value(5).run()
    at.selectbox(key="dec_rope_head").set_value(7).run()
    assert not at.exception
    cap = smollm2.run_with_capture(PROMPT)
    n, d = cap.n_tokens, 64
    angles = array(chart(at, "dec_angles_chart")["data"][0]["z"])
    m, i = np.meshgrid(np.arange(n), np.arange(d // 2), indexing="ij")
    assert_close(angles, np.degrees(np.mod(m * 100000.0 ** (-2 * i / d), 2 * math.pi)), rtol=1e-5, atol=1e-3, check_dtype=False)

    q_pre, k_pre = cap.q_pre_rope[5, :, 7], cap.k_pre_rope[5, :, 7 // 3]  # head 7 reads key/value head 2
    q, k = cap.q[5, :, 7], cap.k[5, :, 7 // 3]
    lower = np.tril(np.ones((n, n), dtype=bool))
    for key, expected in (("dec_before_chart", q_pre @ k_pre.T / 8), ("dec_after_chart", q @ k.T / 8)):
        z = array(chart(at, key)["data"][0]["z"])
        assert_close(z[lower], expected.numpy()[lower], rtol=1e-5, atol=1e-4, check_dtype=False)
        assert np.isnan(z[~lower]).all()  # the causal upper triangle is drawn masked
    assert not np.allclose(array(chart(at, "dec_before_chart")["data"][0]["z"])[lower], array(chart(at, "dec_after_chart")["data"][0]["z"])[lower])

    groups = array(chart(at, "dec_groups_chart")["data"][0]["z"])
    assert groups.shape == (3, 9) and [int(np.nanargmax(~np.isnan(groups[:, h]))) for h in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    similarity = array(chart(at, "dec_similarity_chart")["data"][0]["z"])
    rows = cap.pattern[5].double().numpy()
    expected = 1 - 0.5 * np.abs(rows[:, None] - rows[None, :]).sum(-1).mean(-1)
    assert_close(similarity, expected, rtol=1e-5, atol=1e-5, check_dtype=False)
    assert np.allclose(np.diag(similarity), 1)
    lines = chart(at, "dec_within_chart")["data"]
    assert len(lines) == 2 and len(lines[0]["y"]) == 30


@pytest.mark.slow
def test_explorer_on_the_decoder_draws_the_causal_upper_triangle_masked(smollm2):
    at = new_app(model="smollm2", layer="3", head="4").run()
    assert not at.exception
    assert not [w for w in at.text_input if w.key == "sentence_pair"]  # a decoder reads one text
    cap = smollm2.run_with_capture(at.text_area(key="sentence").value)
    trace = figures(at)[0]["data"][0]
    z = array(trace["z"])
    lower = np.tril(np.ones_like(z, dtype=bool))
    assert_close(z[lower], cap.pattern[3, 4].numpy()[lower], rtol=1e-5, atol=1e-6, check_dtype=False)
    assert np.isnan(z[~lower]).all()
    assert "masked" in trace["text"][0][1] and "weight: " in trace["text"][1][0]
    assert figures(at)[0]["layout"]["xaxis"]["ticktext"][1] == " animal"


@pytest.mark.slow
def test_first_use_converts_the_gguf_with_a_progress_bar(monkeypatch, tmp_path):
    """An empty cache: the page converts the bundled file once (here with a tiny stand-in model) and then shows it."""
    from decoder_helpers import tiny_llama_pair

    from attnviz.app import ui
    from attnviz.loading import gguf_cache
    from attnviz.loading.registry import gguf_source

    hf, ours = tiny_llama_pair(7)
    progress = []
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path))

    def read(path, report):
        for fraction, stage in ((0.0, "config"), (0.3, "tokenizer"), (0.5, "weights")):
            report(fraction, stage)
            progress.append(stage)
        return hf.config, ours.tokenizer, hf.state_dict()

    monkeypatch.setattr(gguf_cache, "read_gguf", read)
    ui.get_model.clear()
    ui.capture_cache.clear()
    try:
        at = open_page("pages/next_token.py")
        assert not at.exception
        assert progress == ["config", "tokenizer", "weights"]
        assert gguf_cache.is_complete(gguf_cache.cache_folder(gguf_source("smollm2")))
        assert len(array(chart(at, "dec_next_chart")["data"][0]["x"])) == 10
    finally:
        ui.get_model.clear()
        ui.capture_cache.clear()



def test_one_gguf_conversion_path_through_the_registry(monkeypatch):
    """Only attnviz.loading.registry drives the GGUF conversion (the app once had a second driver in ui),
    and model_folder hands the caller's progress callback to it."""
    import ast
    from pathlib import Path

    import attnviz
    from attnviz.loading import gguf_cache, registry

    package = Path(attnviz.__file__).parent
    drivers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (getattr(node, "attr", None) or getattr(node, "id", None)) in ("converted_folder", "is_complete") and path.name != "gguf_cache.py":
                drivers.add(path.relative_to(package).as_posix())
    assert drivers == {"loading/registry.py"}

    converted, reports = [], []

    def convert(source, progress):
        progress(0.5, "weights")
        converted.append(source)
        return Path("/converted")

    monkeypatch.setattr(gguf_cache, "is_complete", lambda folder: bool(converted))
    monkeypatch.setattr(gguf_cache, "converted_folder", convert)
    assert registry.conversion_needed("smollm2") and not registry.conversion_needed("minilm")
    assert registry.model_folder("smollm2", lambda fraction, stage: reports.append((fraction, stage))) == Path("/converted")
    assert reports == [(0.5, "weights")] and converted == [registry.gguf_source("smollm2")]
    assert not registry.conversion_needed("smollm2")


@pytest.mark.slow
def test_generation_shows_each_steps_candidates_and_the_chosen_ones_rank(smollm2):
    at = open_page("pages/generation.py")
    at.radio(key="dec_strategy").set_value("sample").run()
    at.slider(key="dec_gen_temperature").set_value(1.5).run()
    at.number_input(key="dec_seed").set_value(3).run()
    prompt_ids = smollm2.run_with_capture(PROMPT).token_ids.tolist()
    chosen = []
    for step in (1, 2):
        at.button(key="dec_forward").click().run()
        assert not at.exception
        logits = smollm2.run_tokens_with_capture(prompt_ids + chosen).logits[-1]  # the distribution this step drew from
        expected = softmax(logits, 1.5)
        bars = chart(at, "dec_candidates_chart")["data"][0]
        top = np.argsort(-expected)[:10]
        assert_close(array(bars["x"]), expected[top], rtol=1e-5, atol=1e-6, check_dtype=False)
        chosen = list(at.session_state["dec_gen"]["chosen"][:step])
        rank = int((expected > expected[chosen[-1]]).sum()) + 1
        assert f"ranked {rank} of 49,152" in shown_text(at)
        colours = bars["marker"]["color"]
        if rank <= 10:  # the chosen bar is the orange one
            assert colours.index("#ff7f0e") == rank - 1 and colours.count("#ff7f0e") == 1
    # the newest token's attention: the last row of every layer's pattern, mean over heads
    full = smollm2.run_tokens_with_capture(prompt_ids + chosen)
    rows = array(chart(at, "dec_rows_chart")["data"][0]["z"])
    assert_close(rows, full.pattern[:, :, -1, :].mean(1).numpy(), rtol=0, atol=1e-6, check_dtype=False)


@pytest.mark.slow
def test_next_token_shows_the_predicting_positions_attention_beside_the_bars(smollm2):
    at = open_page("pages/next_token.py")
    cap = smollm2.run_with_capture(PROMPT)
    at.selectbox(key="dec_position").set_value(2).run()
    at.selectbox(key="dec_head").set_value(4).run()
    assert not at.exception
    spec = chart(at, "dec_next_attention")
    assert_close(array(spec["data"][0]["z"]), cap.pattern[:, 4, 2, :3].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert len(spec["layout"]["xaxis"]["ticktext"]) == 3  # keys 0..2: the later ones are masked
    at.selectbox(key="dec_head").set_value("mean").run()
    assert_close(array(chart(at, "dec_next_attention")["data"][0]["z"]), cap.pattern[:, :, 2, :3].mean(1).numpy(), rtol=0, atol=1e-6, check_dtype=False)
