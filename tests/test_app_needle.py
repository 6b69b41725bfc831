"""The needle-in-a-haystack page on SmolLM2, driven like a user with AppTest.

The scores shown are checked against ``retrieval_scores`` on a fresh capture of the prompt
and the answer the page shows; the answer against the needle's number.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_helpers import array, new_app, shown_text
from torch.testing import assert_close

from attnviz.analysis import retrieval

PAGE = "pages/needle.py"
LONG = 600  # seconds: the answer is up to 13 runs of the model over the whole haystack on a busy 2-core machine


def open_needle(**query):
    at = new_app(**query).run()
    return at.switch_page(PAGE).run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def run_haystack(at, n_tokens: int = 300, depth: int = 50):
    at.slider(key="needle_tokens").set_value(n_tokens).run()
    at.slider(key="needle_depth").set_value(depth).run()
    return at.button(key="needle_run").click().run(timeout=LONG)


@pytest.mark.slow
def test_the_page_finds_the_needle_shows_every_heads_score_and_opens_a_head_in_the_explorer(smollm2):
    at = open_needle()
    assert not at.exception
    assert at.title[0].value == "Needle in a haystack: which heads retrieve?"
    assert "Wu et al. 2024" in shown_text(at)
    assert "Run the model" in shown_text(at)  # nothing runs before the button
    from attnviz.app import ui

    assert at.slider(key="needle_tokens").max == ui.app_max_tokens(ui.get_model("smollm2"))  # what this server captures
    run_haystack(at)
    assert not at.exception
    assert "The answer holds the needle's number, 734182." in [s.value for s in at.success]
    answer_text = at.text[0].value
    assert "734182" in answer_text

    # the heatmap: the model's own scores, recomputed here from a fresh capture of prompt + answer
    prompt = retrieval.needle_prompt(smollm2.tokenizer, 300, retrieval.DEFAULT_NEEDLE, retrieval.DEFAULT_QUESTION, 0.5)
    answer_ids = smollm2.tokenizer(answer_text, add_special_tokens=False)["input_ids"]
    cap = smollm2.run_tokens_with_capture([*prompt.ids, *answer_ids])
    start = len(prompt.ids)
    expected = retrieval.retrieval_scores(cap, prompt.needle, range(start, start + len(answer_ids)))
    heat = chart(at, "needle_heatmap")["data"][0]
    assert_close(array(heat["z"]).reshape(30, 9), expected.numpy(), check_dtype=False)

    # the table: the best heads, best first, the first above 0.5
    table = at.dataframe[0].value
    assert list(table.columns) == ["Layer", "Head", "retrieval score"]
    best = np.unravel_index(int(expected.argmax()), expected.shape)
    assert (int(table.iloc[0, 0]), int(table.iloc[0, 1])) == tuple(int(i) for i in best)
    assert table.iloc[0, 2] > 0.5 and list(table.iloc[:, 2]) == sorted(table.iloc[:, 2], reverse=True)

    # one answer query over the whole context, the needle shaded where its tokens are
    context = chart(at, "needle_context")
    shape = context["layout"]["shapes"][0]
    assert shape["x0"] == prompt.needle.start - 0.5
    bars = context["data"][0]
    layer, head = (int(i) for i in best)
    step = next(i for i, token in enumerate(smollm2.token_strings(answer_ids)) if token.strip().isdigit())  # shown first: the number's first digit
    assert_close(array(bars["y"]), cap.pattern[layer, head, start + step - 1].numpy(), check_dtype=False)

    at.button(key=f"needle_open_{layer}_{head}").click().run(timeout=LONG)
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    assert at.query_params["model"] == "smollm2"
    assert at.query_params["layer"] == str(layer) and at.query_params["head"] == str(head)
    assert at.selectbox(key="layer").value == layer and at.selectbox(key="head").value == head
    assert at.text_area(key="sentence").value.startswith(prompt.text)


@pytest.mark.slow
def test_the_page_in_chinese():
    at = open_needle(lang="zh")
    assert at.title[0].value == "大海捞针：哪些头负责检索？"
    run_haystack(at)  # the same haystack: the process keeps its run
    assert not at.exception
    assert "回答中包含针里的数字 734182。" in [s.value for s in at.success]
    assert at.get_by_key("needle_run").proto.label == "运行模型"
    assert "检索分数" in json.dumps(chart(at, "needle_heatmap"), ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("needle_text", "", "the needle is empty"),
        ("needle_question", "   ", "the question is empty"),
        ("needle_text", "A very long needle. " * 14, "cannot hold the needle and the question"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(key, value, message):
    at = open_needle()
    at.slider(key="needle_tokens").set_value(64).run()
    at.text_input(key=key).input(value).run()
    at.button(key="needle_run").click().run()
    assert not at.exception
    assert message in at.error[0].value
