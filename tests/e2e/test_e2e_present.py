"""Present mode in chromium at 1280 × 720 (a projector): the main chart is in view, its text at least 18 px, no label on another.

Screenshots go to test-artifacts/present/.
"""

from __future__ import annotations

import pytest
from harness import ARTIFACTS, type_sentence, wait_idle
from present_checks import CHARTS_JS, PROJECTOR, assert_readable, open_present

from attnviz.app import present

LONG_TEXT = " ".join(f"word{i % 37} is here" for i in range(75))  # 300 MiniLM tokens (word, ##12, is, here) with [CLS], [SEP]
LONGEST_TEXT = " ".join(f"word{i % 37} is here" for i in range(600))  # more SmolLM2 tokens than the app takes: cut to ui.app_max_tokens


def test_explorer_heatmap_fills_the_projector_screen(app_server, projector):
    charts = open_present(projector, f"{app_server.url}/?present=1", "explorer")
    main = charts[0]
    assert main["title"] == "Layer 0, head 0"
    assert main["top"] < 300 and main["height"] >= 600, main
    assert main["top"] + main["height"] <= PROJECTOR["height"]  # in view without scrolling
    assert_readable(main)
    assert [label["text"] for label in main["y"]][:3] == ["[CLS]", "the ·1", "animal"]


def test_arrow_keys_step_heads_and_layers(app_server, projector):
    open_present(projector, f"{app_server.url}/?present=1", "explorer_keys_before")
    projector.mouse.click(1260, 700)  # focus the page (an empty spot), not a text box
    for key, expected in (("ArrowRight", "Layer 0, head 1"), ("ArrowDown", "Layer 1, head 1"), ("ArrowLeft", "Layer 1, head 0"), ("ArrowLeft", "Layer 1, head 11")):
        projector.keyboard.press(key)
        # the chart is redrawn (its title may be missing for a moment); a press while the script
        # still runs can be lost (seen under load): one press per finished run
        projector.wait_for_function(f"() => (document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle') || {{}}).textContent === '{expected}'")
        wait_idle(projector)
    assert "present=1" in projector.url and "layer=1" in projector.url and "head=11" in projector.url


def test_a_300_token_text_shows_a_readable_window(app_server, projector, tokens_of):
    from urllib.parse import quote

    charts = open_present(projector, f"{app_server.url}/?present=1&text={quote(LONG_TEXT)}", "explorer_300_tokens")
    n = len(tokens_of(LONG_TEXT))
    assert n >= 300 and any(f"All {n} tokens" in chart["title"] for chart in charts)  # the overview, beside the window
    window = next(chart for chart in charts if chart["title"].startswith("Layer 0, head 0"))
    assert len(window["x"]) == present.WINDOW_MAX and len(window["y"]) == present.WINDOW_MAX
    assert window["height"] >= 600
    assert_readable(window)


def test_head_view_click_on_a_token_keeps_only_its_lines(app_server, projector):
    """bertviz's head view, and better: a click on a query token's label leaves only that token's lines."""
    open_present(projector, f"{app_server.url}/?present=1&view=lines", "lines_before", drawn=".scatterlayer .trace")
    lines = "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .scatterlayer .trace path.js-line').length"
    before = projector.evaluate(lines)
    label = """() => { const traces = document.querySelectorAll('[data-testid="stPlotlyChart"] .scatterlayer .trace');
      const r = traces[traces.length - 2].querySelectorAll('.point')[2].getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2]; }"""
    projector.mouse.click(*projector.evaluate(label))  # the left (query) label of "animal", position 2
    projector.wait_for_function(f"() => {{ const n = ({lines})(); return n > 0 && n < {before}; }}")
    wait_idle(projector)
    projector.wait_for_timeout(500)
    projector.screenshot(path=str(ARTIFACTS / "present" / "lines_clicked.png"))
    dark = """() => { const traces = document.querySelectorAll('[data-testid="stPlotlyChart"] .scatterlayer .trace');
      return Array.from(traces[traces.length - 2].querySelectorAll('text')).filter(t => t.style.fill === 'rgb(0, 0, 0)').map(t => t.textContent); }"""
    assert projector.evaluate(dark) == ["animal"]  # the other query labels are dimmed


SIDEBAR_JS = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  return {language: box(sidebar.querySelector('[data-testid="stSelectbox"]')), toggle: box(sidebar.querySelector('[data-testid="stCheckbox"], [data-testid="stToggle"]')),
          firstLink: box(sidebar.querySelector('[data-testid="stSidebarNavLink"]'))};
}"""


@pytest.mark.parametrize(("path", "lang"), [("", "en"), ("lesson_search", "zh"), ("journey", "en")])
def test_language_switch_and_present_toggle_are_on_the_first_screen(app_server, projector, path, lang):
    """They sit above the 23-page navigation (they were below it, under the 720 px fold), in and out of present mode."""
    for present_on in ("0", "1"):
        projector.goto(f"{app_server.url}/{path}?lang={lang}&present={present_on}")
        for drawn in ("stSelectbox", "stCheckbox", "stSidebarNavLink"):
            projector.wait_for_selector(f'[data-testid="stSidebar"] [data-testid="{drawn}"]')
        wait_idle(projector)
        boxes = projector.evaluate(SIDEBAR_JS)
        assert boxes["language"]["bottom"] < boxes["toggle"]["top"] < boxes["toggle"]["bottom"] < boxes["firstLink"]["top"], boxes
        assert boxes["toggle"]["bottom"] < 300, boxes  # in view without scrolling, at the top
    ARTIFACTS.joinpath("present").mkdir(parents=True, exist_ok=True)
    projector.screenshot(path=str(ARTIFACTS / "present" / f"sidebar_{path or 'explorer'}_{lang}.png"))


SELECTED_TAB_JS = '() => (document.querySelector(\'[role="tab"][aria-selected="true"]\') || {}).textContent'


def test_the_journey_one_stage_per_screen_with_the_arrow_keys(app_server, projector):
    """SmolLM2's journey in present mode: each stage's chart in view, readable; → steps to the next stage."""
    open_present(projector, f"{app_server.url}/journey?present=1", "journey_stage_1")
    titles = projector.locator('[role="tab"]').all_inner_texts()
    assert len(titles) == 12 and titles[0].startswith("1.") and titles[-1].startswith("12.")
    projector.mouse.click(1260, 700)
    for stage, title in enumerate(titles):
        if stage:
            projector.keyboard.press("ArrowRight")
            projector.wait_for_function(f"() => ({SELECTED_TAB_JS})() === {title!r}")
            wait_idle(projector)
            projector.wait_for_timeout(500)
        shown = [chart for chart in projector.evaluate(CHARTS_JS) if chart["width"] > 0]
        assert len(shown) == 1, (title, len(shown))  # one stage, one chart
        chart = shown[0]
        assert chart["top"] < 300 and chart["top"] + chart["height"] <= PROJECTOR["height"], (title, chart["top"], chart["height"])
        assert chart["width"] >= 800  # it fills the page beside the sidebar's controls
        assert_readable(chart, ("x", "y") if chart["y"] else ("x",))  # a strip of one row per key has no y label
        if stage in (2, 10):
            projector.screenshot(path=str(ARTIFACTS / "present" / f"journey_stage_{stage + 1}.png"))


@pytest.mark.slow
def test_smollm2_at_the_longest_text_the_app_takes_shows_a_readable_window(app_server, projector):
    """SmolLM2 cut to ``ui.app_max_tokens`` (1,644 tokens at the default cache budget): an overview of them all beside a
    window of ``WINDOW_MAX`` tokens with every label 18 px and none on another."""
    import attnviz
    from attnviz.app import ui

    longest = ui.app_max_tokens(attnviz.load_model("smollm2"))
    open_present(projector, f"{app_server.url}/?present=1&model=smollm2", "explorer_smollm2_short")
    type_sentence(projector, LONGEST_TEXT)
    projector.wait_for_function(f"() => Array.from(document.querySelectorAll('.gtitle')).some(t => t.textContent.startsWith('All {longest} tokens'))", timeout=300_000)
    wait_idle(projector, 300_000)
    projector.mouse.move(900, 400)
    projector.mouse.wheel(0, -20_000)  # typing in the text box scrolled the page: back to its top, as the class sees it
    projector.wait_for_timeout(800)
    projector.screenshot(path=str(ARTIFACTS / "present" / "explorer_smollm2_longest.png"))
    charts = projector.evaluate(CHARTS_JS)
    window = next(chart for chart in charts if chart["title"].startswith("Layer 0, head 0"))
    assert len(window["x"]) == present.WINDOW_MAX and len(window["y"]) == present.WINDOW_MAX
    assert 0 <= window["top"] < 300 and window["height"] >= 600
    assert_readable(window)
