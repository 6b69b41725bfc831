"""The Step-by-step page driven like a user with AppTest; every number shown is checked against
an independent computation from a fresh capture of the bundled model (numpy, float64)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from apptest_helpers import array, new_app, shown_text
from torch.testing import assert_close

from attnviz.app import present, steps_ui
from attnviz.i18n import t

PAGE = "pages/step_by_step.py"
TEXT = "The animal didn't cross the street because it was too tired."


@pytest.fixture
def at():
    app = new_app().run()
    return app.switch_page(PAGE).run()


@pytest.fixture(scope="module")
def cap(minilm):
    return minilm.run_with_capture(TEXT)


def fig(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def z_of(at, key: str) -> np.ndarray:
    return array(fig(at, key)["data"][0]["z"]).astype(np.float64)


def bars(at, key: str) -> list[np.ndarray]:
    return [array(trace["y"]).astype(np.float64) for trace in fig(at, key)["data"]]


def metrics(at) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def np_softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores[np.isfinite(scores)].max())
    return e / e.sum()


def pick(at, layer: int, head: int, query: int):
    at.selectbox(key="steps_layer").set_value(layer)
    at.selectbox(key="steps_head").set_value(head)
    return at.selectbox(key="steps_query").set_value(query).run()


@pytest.mark.slow
def test_explorer_link_opens_the_same_layer_and_head():
    at = new_app().run()
    at.selectbox(key="layer").set_value(4).run()
    at.selectbox(key="head").set_value(7).run()
    link = at.page_link[0]
    assert link.value == "Open layer 4, head 7 step by step" and "step_by_step" in link.proto.page
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Inside one head, step by step"
    assert at.selectbox(key="steps_layer").value == 4 and at.selectbox(key="steps_head").value == 7
    assert "Layer 4, head 7" in shown_text(at)
    at.selectbox(key="steps_head").set_value(2).run()
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert at.selectbox(key="layer").value == 4 and at.selectbox(key="head").value == 2
    assert at.text_area(key="sentence").value == TEXT


@pytest.mark.slow
@pytest.mark.parametrize("layer, head, query", [(2, 7, 10), (5, 0, 3)])
def test_displayed_q_k_v_mask_and_weights_recompute_the_model(at, cap, layer, head, query):
    pick(at, layer, head, query)
    assert not at.exception
    q = z_of(at, "steps_q")[0]
    K, V = z_of(at, "steps_K"), z_of(at, "steps_V")
    mask_text = fig(at, "steps_mask")["data"][0]["text"][0]
    mask = np.array([0.0 if cell == "0" else -np.inf for cell in mask_text])
    weights = z_of(at, "steps_weights")[0]
    pattern = np_softmax(K @ q / math.sqrt(q.shape[0]) + mask)
    assert_close(pattern, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(weights @ V, cap.z[layer, query, head].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(weights, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(z_of(at, "steps_z")[0], cap.z[layer, query, head].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(z_of(at, "steps_x")[0], cap.resid_pre[layer, query].numpy(), rtol=0, atol=0, check_dtype=False)
    assert_close(z_of(at, "steps_attn_out")[0], cap.attn_out[layer, query].numpy(), rtol=0, atol=1e-5, check_dtype=False)
    assert_close(z_of(at, "steps_resid_mid")[0], cap.resid_mid[layer, query].numpy(), rtol=0, atol=1e-5, check_dtype=False)
    assert len(at.latex) >= 8
    top = int(np.argmax(K @ q))
    assert any(f"s_{{{top}}} = \\frac{{{(K @ q)[top]:.4f}}}" in latex.value for latex in at.latex)


@pytest.mark.slow
def test_tables_toggle_shows_the_same_numbers(at, cap):
    assert len(at.dataframe) == 0
    at.toggle(key="steps_tables").set_value(True).run()
    assert not at.exception and len(at.dataframe) > 10
    tables = [frame.value for frame in at.dataframe]  # in page order; a vector's table is one row named by its title
    q_table = next(t for t in tables if t.index[0] == "q [32]")
    assert np.array_equal(q_table.to_numpy()[0], cap.q[0, 1, 0].numpy())
    mask_table = next(t for t in tables if t.index[0] == "M")
    assert list(mask_table.to_numpy()[0]) == ["0"] * cap.n_tokens and mask_table.columns[2] == "2: animal"


@pytest.mark.slow
def test_scaling_toggle_and_temperature_change_the_weights(at, cap):
    layer, head, query = 3, 1, 10
    pick(at, layer, head, query)
    dots = cap.k[layer, :, head].double().numpy() @ cap.q[layer, query, head].double().numpy()

    def check(divisor: float) -> None:
        assert not at.exception
        expected = np_softmax(dots / divisor)
        model = cap.pattern[layer, head, query].double().numpy()
        shown = metrics(at)
        entropy = -(expected * np.log2(expected)).sum()
        assert shown["Entropy, this setting (bits)"] == pytest.approx(entropy, abs=1e-4)
        assert shown["Largest weight, this setting"] == pytest.approx(expected.max(), abs=1e-4)
        assert shown["Largest weight, model"] == pytest.approx(model.max(), abs=1e-4)
        assert_close(bars(at, "steps_variant")[1], expected, rtol=0, atol=1e-5, check_dtype=False)

    check(math.sqrt(32))
    at.toggle(key="steps_scale").set_value(False).run()
    check(1.0)
    assert metrics(at)["Largest weight, this setting"] > metrics(at)["Largest weight, model"]
    at.slider(key="steps_temperature").set_value(2.0).run()
    check(2.0)
    at.toggle(key="steps_scale").set_value(True).run()
    check(math.sqrt(32) * 2.0)
    assert metrics(at)["Entropy, this setting (bits)"] > metrics(at)["Entropy, model (bits)"]
    assert "\\sqrt{32} \\cdot 2" in at.latex[-1].value or any("\\sqrt{32} \\cdot 2" in x.value for x in at.latex)


@pytest.mark.slow
def test_hiding_a_token_reruns_the_model_under_that_mask(at, cap, minilm):
    layer, head, query = 1, 4, 10
    pick(at, layer, head, query)
    at.multiselect(key="steps_hidden").set_value([2]).run()
    assert not at.exception
    mask = torch.ones(cap.n_tokens, cap.n_tokens, dtype=torch.bool)
    mask[:, 2] = False
    masked = minilm.run_with_capture(TEXT, attn_mask=mask)
    before, after = bars(at, "steps_own_compare")
    assert_close(before, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert after[2] == 0
    assert_close(after, masked.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    a, b = cap.resid_post[-1].double().numpy(), masked.resid_post[-1].double().numpy()
    cosine = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    assert_close(bars(at, "steps_cosine")[0], cosine, rtol=0, atol=1e-5, check_dtype=False)
    shown = metrics(at)
    assert shown["Largest weight on a hidden key (all layers)"] == 0.0
    assert shown["Lowest cosine similarity"] == pytest.approx(cosine.min(), abs=1e-4)
    assert shown["Weight query 10 put there before"] == pytest.approx(float(cap.pattern[layer, head, query, 2]), abs=1e-4)

    at.multiselect(key="steps_hidden").set_value(list(range(cap.n_tokens))).run()
    assert not at.exception
    assert "attend to no key" in at.error[0].value


@pytest.mark.slow
def test_padding_demo_shows_pad_keys_with_minus_infinity_and_zero_weight(at, minilm):
    layer, head, query = 2, 5, 3
    pick(at, layer, head, query)
    at.text_input(key="steps_pad_other").set_value("Cats sleep.").run()
    assert not at.exception
    alone = minilm.run_with_capture("Cats sleep.")
    n_real = alone.n_tokens
    mask_text = fig(at, "steps_pad_mask")["data"][0]["text"][0]
    assert mask_text == ["0"] * n_real + ["−∞"] * (16 - n_real)
    assert fig(at, "steps_pad_mask")["data"][0]["x"][-1].startswith("[PAD]")
    weights = z_of(at, "steps_pad_weights")[0]
    assert (weights[n_real:] == 0).all()
    assert_close(weights[:n_real], alone.pattern[layer, head, query].numpy(), rtol=0, atol=1e-5, check_dtype=False)
    padded_bars, alone_bars = bars(at, "steps_pad_compare")
    assert_close(alone_bars, alone.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    shown = metrics(at)
    assert shown["Largest weight on a [PAD] key"] == 0.0 and shown["Max |Δ| of real weights vs unpadded"] < 1e-5

    at.text_input(key="steps_pad_other").set_value("A lion did not walk over the road since he was so sleepy.").run()
    assert not at.exception
    assert "nothing is padded" in shown_text(at) or fig(at, "steps_pad_mask")


@pytest.mark.slow
def test_causal_mask_demo_renormalises_over_earlier_keys(at, cap):
    layer, head, query = 4, 9, 6
    pick(at, layer, head, query)
    encoder, decoder = bars(at, "steps_causal_compare")
    scores = cap.head_scores_raw(layer, head)[query].double().numpy()
    assert_close(encoder, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert (decoder[query + 1 :] == 0).all()
    assert_close(decoder[: query + 1], np_softmax(scores[: query + 1]), rtol=0, atol=1e-6, check_dtype=False)
    assert fig(at, "steps_causal_mask")["data"][0]["text"][0] == ["0"] * (query + 1) + ["−∞"] * (cap.n_tokens - query - 1)
    future = float(cap.pattern[layer, head, query, query + 1 :].sum())
    assert metrics(at)[f"Weight query {query} put on later tokens"] == pytest.approx(future, abs=1e-4)


@pytest.mark.slow
def test_all_heads_with_jensen_shannon_distances(at, cap):
    layer, query = 3, 10
    pick(at, layer, 0, query)
    rows = cap.pattern[layer, :, query].double().numpy()  # [head, key_pos]
    assert_close(z_of(at, "steps_heads"), rows, rtol=0, atol=1e-6, check_dtype=False)
    shown = z_of(at, "steps_js")
    for a, b in ((0, 1), (2, 11), (6, 7)):
        m = (rows[a] + rows[b]) / 2
        kl = lambda p: float((p[p > 0] * np.log2(p[p > 0] / m[p > 0])).sum())  # noqa: E731
        assert shown[a, b] == pytest.approx(math.sqrt((kl(rows[a]) + kl(rows[b])) / 2), abs=1e-5)
    assert (np.diag(shown) == 0).all() and np.allclose(shown, shown.T)


@pytest.mark.slow
def test_chinese_page_and_language_kept_from_the_explorer():
    at = new_app().run()
    at.selectbox(key="lang").set_value("zh").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "走进一个注意力头：逐步计算"
    assert at.selectbox(key="steps_query").label == "查询 token"
    assert {"七个步骤", "为什么除以 √d_k", "掩码", "该层的所有头", "因果掩码"} <= {tab.label for tab in at.tabs}
    assert "键" in fig(at, "steps_weights")["data"][0]["hovertemplate"]
    assert "本模型" in str(fig(at, "steps_growth")["layout"]["annotations"])
    at.toggle(key="steps_scale").set_value(False).run()
    at.multiselect(key="steps_hidden").set_value([1]).run()
    assert not at.exception
    assert "被屏蔽键上的最大权重（所有层）" in [m.label for m in at.metric]


@pytest.mark.slow
def test_blank_text_prompts_and_hostile_tokens_are_escaped(at):
    at.text_area(key="steps_sentence").set_value("  ").run()
    assert not at.exception and "Type a sentence" in shown_text(at)
    at.text_area(key="steps_sentence").set_value("<img src=x onerror=alert(1)>").run()
    assert not at.exception
    spec = at.get_by_key("steps_weights").proto.spec + at.get_by_key("steps_heads").proto.spec
    assert "<img" not in spec and "&lt;" in spec
    assert "<" in at.selectbox(key="steps_query").options[1]  # widget labels are plain text


DECODER_TEXT = "The capital of France is"


@pytest.fixture(scope="module")
def smol_cap(smollm2):
    return smollm2.run_with_capture(DECODER_TEXT)


def decoder_app(lang: str = "en"):
    """Step by step with SmolLM2 picked on the page itself and a short prompt typed in."""
    at = new_app(lang=lang).run().switch_page(PAGE).run()
    at.selectbox(key="steps_model").set_value("smollm2").run()
    return at.text_area(key="steps_sentence").set_value(DECODER_TEXT).run()


@pytest.mark.slow
def test_smollm2_steps_neuron_view_and_rope_recompute_the_model(smollm2, smol_cap):
    cap, layer, head, query, key = smol_cap, 20, 7, 4, 2
    at = decoder_app()
    pick(at, layer, head, query)
    at.selectbox(key="steps_neuron_key").set_value(key).run()
    at.selectbox(key="steps_rope_key").set_value(key).run()
    assert not at.exception and not at.error
    kv = head // 3  # 9 query heads share 3 key/value heads
    text = shown_text(at)
    assert "RMSNorm" in text and f"reads key/value head {kv}, which query heads 6, 7, 8 share" in text
    # step 1: X = RMSNorm(resid_pre) with the block's weight, from its formula
    ln1 = smollm2.network.blocks[layer].ln1
    resid = cap.resid_post[layer - 1, query].double().numpy()
    x = resid / np.sqrt((resid**2).mean() + ln1.eps) * ln1.w.detach().double().cpu().numpy()
    assert_close(z_of(at, "steps_x")[0], x, rtol=0, atol=1e-5, check_dtype=False)
    # steps 2-6: the shown q, K, V and the causal mask recompute the captured pattern and z
    q, K, V = z_of(at, "steps_q")[0], z_of(at, "steps_K"), z_of(at, "steps_V")
    assert_close(K, cap.k[layer, :, kv].numpy(), rtol=0, atol=0, check_dtype=False)
    mask_text = fig(at, "steps_mask")["data"][0]["text"][0]
    assert mask_text == ["0"] * (query + 1) + ["−∞"] * (cap.n_tokens - query - 1)
    mask = np.array([0.0 if cell == "0" else -np.inf for cell in mask_text])
    pattern = np_softmax(K @ q / 8.0 + mask)
    assert_close(pattern, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-5, check_dtype=False)
    assert_close(z_of(at, "steps_weights")[0] @ V, cap.z[layer, query, head].numpy(), rtol=0, atol=1e-5, check_dtype=False)
    assert_close(z_of(at, "steps_resid_mid")[0], (cap.resid_post[layer - 1, query] + cap.attn_out[layer, query]).numpy(), rtol=0, atol=1e-5, check_dtype=False)
    # the neuron view: the bars are q_c * k_c, their sum times the scale is the shown score, the captured raw score
    shown = metrics(at)
    products = array(fig(at, "steps_neuron")["data"][1]["y"]).astype(np.float64)  # under the q, k heat rows
    q64, k64 = cap.q[layer, query, head].double().numpy(), cap.k[layer, key, kv].double().numpy()
    assert_close(products, q64 * k64, rtol=0, atol=1e-6, check_dtype=False)
    assert shown["sum q·k"] == pytest.approx(products.sum(), abs=1e-5)
    assert shown["scale 1/√d_head"] == pytest.approx(1 / 8, abs=1e-6)
    assert shown["score s"] == pytest.approx(shown["sum q·k"] * shown["scale 1/√d_head"], abs=2e-6)
    assert shown["score s"] == pytest.approx(float(q64 @ k64) / 8, abs=1e-5)
    assert shown["score s"] == pytest.approx(float(cap.head_scores_raw(layer, head)[query, key]), abs=1e-5)
    # RoPE: the scores before the rotation come from q and k rotated back by their positions' angles
    before, after = bars(at, "steps_rope_scores")
    angles = lambda pos: pos * cap.rope_theta ** (-np.arange(0, 64, 2) / 64)  # noqa: E731

    def unrotate(v, pos):
        a, b, c = v[:32], v[32:], angles(pos)
        return np.concatenate([a * np.cos(c) + b * np.sin(c), b * np.cos(c) - a * np.sin(c)])

    K_before = np.stack([unrotate(cap.k[layer, j, kv].double().numpy(), j) for j in range(cap.n_tokens)])
    assert_close(before, K_before @ unrotate(q64, query) / 8, rtol=0, atol=1e-4, check_dtype=False)
    assert_close(after, cap.head_scores_raw(layer, head)[query].numpy(), rtol=0, atol=1e-5, check_dtype=False)


@pytest.mark.slow
def test_smollm2_in_chinese_and_the_explorer_link_keeps_model_text_layer_head():
    at = new_app(model="smollm2", text=DECODER_TEXT).run()
    at.selectbox(key="layer").set_value(20).run()
    at.selectbox(key="head").set_value(7).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="steps_model").value == "smollm2"
    assert at.selectbox(key="steps_layer").value == 20 and at.selectbox(key="steps_head").value == 7
    assert at.text_area(key="steps_sentence").value == DECODER_TEXT
    at.switch_page("pages/explorer.py").run()  # going back resets nothing
    assert at.selectbox(key="model").value == "smollm2" and at.selectbox(key="layer").value == 20 and at.selectbox(key="head").value == 7
    zh = decoder_app("zh")
    assert not zh.exception
    text = shown_text(zh)
    assert "神经元视图" in text and "因果掩码" in text and "分组查询注意力" in text


@pytest.mark.slow
def test_chart_titles_are_plain_text_not_latex(at):
    pick(at, 2, 7, 12)
    titles = [json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "") for chart in at.get("plotly_chart")]
    assert fig(at, "steps_mask")["layout"]["title"]["text"] == "M₁₂ⱼ [16]"
    assert fig(at, "steps_weights")["layout"]["title"]["text"] == "wⱼ [16]"
    assert not [title for title in titles if "{" in title or "_{" in title]


@pytest.mark.slow
def test_the_padding_demo_says_the_pair_field_is_not_used(at):
    text = shown_text(at)
    assert "second-sentence field above is not used here" in text and "first sentence only" not in text


LONG = " ".join(["The animal didn't cross the street because it was too tired."] * 60)  # 512 tokens after the cut


@pytest.mark.slow
def test_a_long_text_shows_a_window_of_the_models_own_numbers(minilm):
    at = new_app().run()
    at.text_area(key="sentence").set_value(LONG).run()
    at.switch_page(PAGE).run()
    layer, head, query = 3, 6, 310
    pick(at, layer, head, query)
    at.slider(key="steps_window").set_value((300, 400)).run()  # wider than a window may be: the first 32
    assert not at.exception
    cap = minilm.run_with_capture(LONG)
    assert cap.n_tokens == 512
    win = slice(300, 332)
    assert "tokens 300–331" in shown_text(at)
    assert_close(z_of(at, "steps_weights")[0], cap.pattern[layer, head, query, win].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(z_of(at, "steps_K"), cap.k[layer, win, head].numpy(), rtol=0, atol=0, check_dtype=False)
    assert_close(z_of(at, "steps_X"), cap.resid_pre[layer, win].numpy(), rtol=0, atol=0, check_dtype=False)
    assert_close(z_of(at, "steps_none_map"), cap.pattern[layer, head, win, win].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    from attnviz.plots.maps import token_labels

    assert fig(at, "steps_weights")["data"][0]["x"] == token_labels(cap.tokens)[win]  # labels keep their positions
    assert fig(at, "steps_mask")["layout"]["title"]["text"] == "M₃₁₀ⱼ [512] · 300–331"
    assert_close(z_of(at, "steps_z")[0], cap.z[layer, query, head].numpy(), rtol=0, atol=1e-6, check_dtype=False)  # z sums over all 512 keys


@pytest.mark.slow
def test_a_local_llama_folder_walks_the_decoder_steps(monkeypatch, tmp_path):
    from decoder_helpers import tiny_llama_pair, tiny_tokenizer

    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    hf, ours = tiny_llama_pair(4, n_heads=4, n_kv_heads=2)
    folder = tmp_path / "tiny-llama"
    hf.save_pretrained(folder)  # safetensors
    tiny_tokenizer().save_pretrained(folder)
    at = new_app().run().switch_page(PAGE).run()
    at.text_input(key="local_model").set_value(str(folder)).run()
    at.text_area(key="steps_sentence").set_value("the cat sat on the mat").run()
    assert not at.exception and not at.error
    assert len(at.selectbox(key="steps_head").options) == 4  # the folder's heads
    at.selectbox(key="steps_head").set_value(3).run()
    at.selectbox(key="steps_query").set_value(3).run()
    at.selectbox(key="steps_neuron_key").set_value(1).run()
    cap = ours.run_with_capture("the cat sat on the mat")
    assert "query heads 2, 3 share" in shown_text(at)
    score = {m.label: float(m.value) for m in at.metric}["score s"]
    assert score == pytest.approx(float(cap.head_scores_raw(0, 3)[3, 1]), abs=1e-5)


def test_the_steps_sections_in_order_with_rope_only_for_a_rotary_model():
    assert steps_ui.section_names(False) == ["input", "qkv", "neuron", "scores", "mask", "softmax", "sum", "heads"]
    assert steps_ui.section_names(True) == ["input", "qkv", "rope", "neuron", "scores", "mask", "softmax", "sum", "heads"]
    assert steps_ui.SECTION_KEY != present.SECTION_KEY  # a lesson's open section and this page's never collide


def step_titles(lang: str = "en", rotary: bool = False) -> tuple[list[str], list[str]]:
    """The Steps tab's short section titles and its full headings, from the translation table."""
    picked = [(short, full) for name, short, full in steps_ui.SECTIONS if name in steps_ui.section_names(rotary)]
    return [t(short, lang) for short, _ in picked], [t(full, lang) for _, full in picked]


@pytest.mark.slow
def test_present_mode_shows_one_step_per_section_and_next_opens_the_following_one():
    at = new_app(present="1").run().switch_page(PAGE).run()
    assert not at.exception
    titles, headings = step_titles()
    labels = [tab.label for tab in at.tabs]
    first = labels.index(titles[0])
    assert labels[first - 1] == t("steps_tab_steps", "en") and labels[first : first + len(titles)] == titles  # the Steps tab holds one tab per step
    assert not [s.value for s in at.subheader]  # no stacked subheaders: each heading is under its step's chart
    assert all(f"**{heading}**" in [m.value for m in at.markdown] for heading in headings)
    shortcuts = {b.key: b.proto.shortcut.lower() for b in at.button if b.proto.shortcut}
    assert shortcuts == {"steps_section_prev": "left", "steps_section_next": "right"}  # one binding each: no head/layer step buttons here
    assert at.session_state["steps_section"] == titles[0] and at.button(key="steps_section_prev").disabled
    for expected in titles[1:]:
        at.button(key="steps_section_next").click().run()
        assert not at.exception and at.session_state["steps_section"] == expected
    assert at.button(key="steps_section_next").disabled  # the last step: Next stops there
    at.button(key="steps_section_prev").click().run()
    assert at.session_state["steps_section"] == titles[-2]


@pytest.mark.slow
def test_out_of_present_mode_all_steps_are_stacked_under_their_subheaders():
    at = new_app().run().switch_page(PAGE).run()
    assert not at.exception
    titles, headings = step_titles()
    assert [s.value for s in at.subheader] == headings
    labels = [tab.label for tab in at.tabs]
    assert not set(titles) & set(labels)  # no section tabs
    assert "steps_section_next" not in {b.key for b in at.button}
