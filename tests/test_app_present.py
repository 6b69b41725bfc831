"""Present mode driven like a user with AppTest: the toggle, its link, the big layout, the arrow-key buttons, the head view's filters."""

from __future__ import annotations

import pytest
from apptest_helpers import array, figures, new_app, shown_text

from attnviz.app import present
from attnviz.i18n import t


def heatmap(at) -> dict:
    return next(fig for fig in figures(at) if any(trace["type"] == "heatmap" for trace in fig["data"]))


def lines_drawn(fig: dict) -> list[tuple[int, int]]:
    """The (query row, key row) pairs of every line a head-lines figure draws."""
    pairs = []
    for trace in fig["data"]:
        if trace.get("mode") == "lines" and trace.get("showlegend") is False:
            ys = [y for y in trace["y"] if y is not None]
            pairs += list(zip(ys[::2], ys[1::2], strict=True))
    return pairs


@pytest.mark.slow
def test_the_toggle_puts_present_in_the_link_and_survives_pages_and_reruns():
    at = new_app().run()
    assert not at.exception and not at.toggle(key="present").value and "present" not in at.query_params
    at.toggle(key="present").set_value(True).run()
    assert at.query_params["present"] == "1"
    for page in ("pages/step_by_step.py", "pages/lessons/search.py", "pages/explorer.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.toggle(key="present").value and at.query_params["present"] == "1", page
    at.run()
    assert at.toggle(key="present").value and at.query_params["present"] == "1"
    at.toggle(key="present").set_value(False).run()
    assert "present" not in at.query_params


@pytest.mark.slow
def test_a_link_with_present_opens_the_big_explorer():
    at = new_app(present="1").run()
    assert not at.exception and at.toggle(key="present").value
    assert t("explorer_intro", "en") not in shown_text(at)  # the intro gives its place to the chart
    layout = heatmap(at)["layout"]
    assert layout["height"] >= 600
    assert layout["xaxis"]["tickfont"]["size"] >= 18 and layout["yaxis"]["tickfont"]["size"] >= 18
    assert layout["font"]["size"] >= 18 and layout["hoverlabel"]["font"]["size"] >= 18
    assert layout["xaxis"]["tickangle"] == -90
    normal_at = new_app().run()
    normal = heatmap(normal_at)["layout"]
    assert "font" not in normal and normal["xaxis"]["tickangle"] != -90
    assert t("explorer_intro", "en") in shown_text(normal_at)
    assert layout["title"]["yanchor"] == "bottom" and layout["title"]["y"] < 0.1  # under the chart: the key labels take its top


@pytest.mark.slow
def test_arrow_key_buttons_step_heads_and_layers_with_wraparound(minilm):
    at = new_app(present="1").run()
    buttons = {key: at.button(key=key) for key in ("present_prev_head", "present_next_head", "present_prev_layer", "present_next_layer")}
    assert [b.proto.shortcut.lower() for b in buttons.values()] == ["left", "right", "up", "down"]
    at.button(key="present_next_head").click().run()
    at.button(key="present_next_head").click().run()
    at.button(key="present_next_layer").click().run()
    assert (at.selectbox(key="layer").value, at.selectbox(key="head").value) == (1, 2)
    assert at.query_params["layer"] == "1" and at.query_params["head"] == "2"
    cap = minilm.run_with_capture(at.text_area(key="sentence").value)
    z = array(next(tr for tr in heatmap(at)["data"] if tr["type"] == "heatmap")["z"])
    assert abs(z - cap.pattern[1, 2].numpy()).max() < 1e-5
    at.button(key="present_prev_layer").click().run()
    at.button(key="present_prev_layer").click().run()
    at.button(key="present_prev_head").click().run()
    at.button(key="present_prev_head").click().run()
    at.button(key="present_prev_head").click().run()
    assert (at.selectbox(key="layer").value, at.selectbox(key="head").value) == (cap.n_layers - 1, cap.n_heads - 1)
    assert "Layer 5, head 11" in heatmap(at)["layout"]["title"]["text"]


def test_no_step_buttons_outside_present_mode():
    at = new_app().run()
    assert not [b for b in at.button if b.key and b.key.startswith("present_")]


@pytest.mark.slow
def test_lessons_show_one_tab_per_section_in_present_mode():
    at = new_app().run().switch_page("pages/lessons/soft_hard.py").run()
    assert not at.exception and not at.tabs
    at.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert len(at.tabs) >= 3 and at.tabs[-1].label == t("lesson_predict", "en")
    assert present.CSS in [element.value for element in at.get("html")]


@pytest.mark.slow
def test_head_view_threshold_token_focus_and_pair_filter(minilm):
    at = new_app().run()
    at.text_input(key="sentence_pair").set_value("It was tired.").run()
    at.radio(key="view").set_value("lines").run()
    cap = minilm.run_with_capture(at.text_area(key="sentence").value, "It was tired.")
    pattern = cap.pattern[0, 0].numpy()
    all_lines = set(lines_drawn(figures(at)[0]))
    assert all_lines == {(i, j) for i in range(cap.n_tokens) for j in range(cap.n_tokens) if pattern[i, j] >= 0.02}
    at.slider(key="lines_threshold").set_value(0.2).run()
    assert set(lines_drawn(figures(at)[0])) == {(i, j) for i, j in all_lines if pattern[i, j] >= 0.2}
    at.slider(key="lines_threshold").set_value(0.0).run()
    at.selectbox(key="lines_focus").set_value(3).run()
    assert {i for i, _ in lines_drawn(figures(at)[0])} == {3}
    at.radio(key="lines_focus_as").set_value("key").run()
    assert {j for _, j in lines_drawn(figures(at)[0])} == {3}
    at.selectbox(key="lines_focus").set_value(None).run()
    at.radio(key="lines_pair").set_value("ab").run()
    seg = cap.token_type_ids.tolist()
    drawn = lines_drawn(figures(at)[0])
    assert drawn and all(seg[i] == 0 and seg[j] == 1 for i, j in drawn)
    at.radio(key="lines_pair").set_value("ba").run()
    drawn = lines_drawn(figures(at)[0])
    assert drawn and all(seg[i] == 1 and seg[j] == 0 for i, j in drawn)
    labels = [tr for tr in figures(at)[0]["data"] if tr.get("mode") == "markers+text"]
    assert [tr["customdata"][0][1] for tr in labels] == ["query", "key"] and len(labels[1]["customdata"]) == cap.n_tokens


@pytest.mark.slow
def test_section_buttons_step_a_lessons_tabs_with_the_arrow_keys():
    at = new_app(present="1").run().switch_page("pages/lessons/it_reference.py").run()
    assert not at.exception
    titles = [tab.label for tab in at.tabs]
    assert len(titles) >= 3
    prev, following = at.button(key="present_section_prev"), at.button(key="present_section_next")
    assert (prev.proto.shortcut.lower(), following.proto.shortcut.lower()) == ("left", "right")
    assert prev.disabled and not following.disabled  # on the first section
    assert {"present_section_prev", "present_section_next"} <= {button.key for button in at.sidebar.button}  # at the sidebar's top
    following.click().run()
    assert at.session_state[present.SECTION_KEY] == titles[1]
    for _ in titles[2:]:  # to the last section, where "next" is disabled
        at.button(key="present_section_next").click().run()
    assert at.session_state[present.SECTION_KEY] == titles[-1] and at.button(key="present_section_next").disabled
    at.button(key="present_section_prev").click().run()
    assert at.session_state[present.SECTION_KEY] == titles[-2] and not at.exception
    at.toggle(key="present").set_value(False).run()  # outside present mode: plain sections, no buttons
    assert not [button for button in at.button if button.key and button.key.startswith("present_section")]


@pytest.mark.slow
def test_the_journey_in_present_mode_is_one_stage_per_tab_with_its_controls_beside(smollm2):
    at = new_app(present="1").run().switch_page("pages/journey.py").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs][:2] == [t("journey_s_embed", "en"), t("journey_s_qkv", "en")] and len(at.tabs) == 12
    assert {"dec_model", "journey_position", "journey_layer", "journey_head"} <= {box.key for box in at.sidebar.selectbox}  # beside the chart
    assert t("journey_intro", "en") not in shown_text(at)
    fonts = [fig["layout"]["xaxis"]["tickfont"]["size"] for fig in figures(at)]
    assert len(fonts) == 12 and min(fonts) >= present.FONT
    at.button(key="journey_stage_next").click().run()
    assert at.session_state["journey_stage"] == t("journey_s_qkv", "en")
    at.toggle(key="present").set_value(False).run()  # the one-screen pipeline again: no tabs, the controls on the page
    assert not at.exception and not at.tabs and "dec_model" not in {box.key for box in at.sidebar.selectbox}


@pytest.mark.slow
def test_step_by_step_in_present_mode_puts_its_controls_beside_the_steps(smollm2):
    at = new_app(present="1", model="smollm2").run().switch_page("pages/step_by_step.py").run()
    assert not at.exception
    assert {"steps_model", "steps_layer", "steps_head", "steps_query"} <= {box.key for box in at.sidebar.selectbox}
    assert t("steps_intro", "en") not in shown_text(at)
    spec = {fig["layout"]["title"]["text"]: fig["layout"] for fig in figures(at)}
    rope = spec[t("steps_rope_vectors_title", "en")]  # four rows: the larger margins add to its height, its rows keep their room
    assert rope["yaxis"]["tickfont"]["size"] >= present.FONT and rope["height"] - rope["margin"]["t"] - rope["margin"]["b"] >= 4 * present.FONT
    assert spec[t("steps_rope_pairs_title", "en")]["xaxis"]["tickfont"]["size"] >= present.FONT
