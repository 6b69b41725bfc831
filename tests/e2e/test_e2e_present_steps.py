"""Step by step in present mode, in chromium at 1280 × 720 (a projector): one step per screen, stepped with →;
on every step its chart in view without scrolling, its text at least 18 px, no label on another, the formulas under it.

Screenshots go to test-artifacts/present/.
"""

from __future__ import annotations

import pytest
from harness import ARTIFACTS, wait_idle
from present_checks import CHARTS_JS, PROJECTOR, assert_readable, open_present

from attnviz.app import steps_ui
from attnviz.i18n import t

# the Steps tab's own section tabs: the first tabs nested in the page's tabs (the Masks tab's come later)
STEP_TABS = '[data-testid="stTabs"] [data-testid="stTabs"]'
SELECTED_STEP_JS = f'() => (document.querySelector(\'{STEP_TABS} [role="tab"][aria-selected="true"]\') || {{}}).textContent'
# CHARTS_JS reads the first axes' labels only (.xtick, .ytick): these charts' labels on every axis (.x2tick, .y2tick: the
# neuron view's bars are its second row), one list per letter, for the same checks
ALL_TICKS_JS = CHARTS_JS.replace(
    "chart.querySelectorAll(`.${axis}tick text`)",
    "Array.from(chart.querySelectorAll('g[class] > text')).filter(t => new RegExp(`^${axis}[0-9]*tick$`).test(t.parentNode.getAttribute('class')))",
)
if ALL_TICKS_JS == CHARTS_JS:
    raise RuntimeError("present_checks.CHARTS_JS no longer selects labels as ALL_TICKS_JS expects: update it")
# the tops of the formulas (KaTeX) and the step's bold heading shown, the open step's only: hidden tabs' boxes have no width
NOTES_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] .katex, [data-testid="stMain"] [data-testid="stMarkdownContainer"] strong'))
  .map(el => el.getBoundingClientRect()).filter(box => box.width > 0).map(box => box.top)"""
SIDEBAR_BUTTONS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stSidebar"] button'))
  .filter(b => ['Previous', 'Next', '上一节', '下一节'].some(label => b.textContent.includes(label)))
  .map(b => b.getBoundingClientRect().bottom)"""


def step_titles(lang: str, rotary: bool) -> list[str]:
    """The section tabs' titles, from the translation table (not from the page)."""
    short = {name: title for name, title, _ in steps_ui.SECTIONS}
    return [t(short[name], lang) for name in steps_ui.section_names(rotary)]


def walk_the_steps(projector, url: str, name: str, lang: str, rotary: bool, shots: tuple[int, ...]) -> dict[str, list[dict]]:
    """Open ``url``, check every step reached with → and return each step's shown charts (``CHARTS_JS``'s, by step title)."""
    open_present(projector, url, f"{name}_step_1")
    titles = step_titles(lang, rotary)
    assert projector.locator(STEP_TABS).first.locator('[role="tab"]').all_inner_texts() == titles  # one section per step
    assert projector.evaluate(SELECTED_STEP_JS) == titles[0]
    buttons = projector.evaluate(SIDEBAR_BUTTONS_JS)
    assert len(buttons) == 2 and max(buttons) < PROJECTOR["height"], buttons  # Previous and Next on the first screen
    projector.mouse.click(1260, 700)  # focus the page (an empty spot), not a text box
    seen = {}
    for index, title in enumerate(titles):
        if index:
            projector.keyboard.press("ArrowRight")
            projector.wait_for_function(f"() => ({SELECTED_STEP_JS})() === {title!r}")
            wait_idle(projector)
            projector.wait_for_timeout(800)  # plotly's last layout pass
        shown = [chart for chart in projector.evaluate(ALL_TICKS_JS) if chart["width"] > 0]  # the open step's charts only
        assert shown, title
        first = shown[0]
        assert first["top"] < 300 and first["top"] + first["height"] <= PROJECTOR["height"], (title, first["title"], first["top"], first["height"])
        for chart in shown:
            assert_readable(chart, ("x", "y") if chart["y"] else ("x",))  # a one-row strip has no y label
        notes = projector.evaluate(NOTES_JS)
        assert notes and min(notes) > first["top"] + first["height"], (title, notes, first)  # heading and formulas under the chart, not above it
        seen[title] = shown
        if index in shots:
            projector.screenshot(path=str(ARTIFACTS / "present" / f"{name}_step_{index + 1}.png"))
    return seen


@pytest.mark.parametrize("lang", ["zh"])  # English: the SmolLM2 walk below (each walk takes about 25 s)
def test_step_by_step_in_present_mode_one_step_per_screen(app_server, projector, lang):
    """MiniLM: eight steps (no RoPE), each chart on the first screen and readable, → through all of them."""
    seen = walk_the_steps(projector, f"{app_server.url}/step_by_step?present=1&lang={lang}", f"step_by_step_{lang}", lang, rotary=False, shots=(0, 1, 2, 7))
    qkv = [chart["title"] for chart in seen[step_titles(lang, False)[1]]]
    assert qkv[0] == "q [32]" and qkv[-3:] == ["W_Q [384 × 32]", "W_K [384 × 32]", "W_V [384 × 32]"]  # q first: the 600 px weights after it
    assert projector.evaluate(SELECTED_STEP_JS) == step_titles(lang, False)[-1]
    projector.keyboard.press("ArrowLeft")  # and back
    projector.wait_for_function(f"() => ({SELECTED_STEP_JS})() === {step_titles(lang, False)[-2]!r}")


def test_step_by_step_on_the_decoder_in_present_mode(app_server, projector):
    """SmolLM2: its controls in the sidebar; nine steps with RoPE's, each chart on the first screen and readable."""
    url = f"{app_server.url}/step_by_step?present=1&model=smollm2&layer=3&head=4"
    seen = walk_the_steps(projector, url, "step_by_step_smollm2", "en", rotary=True, shots=(2, 3))
    sidebar = projector.locator('[data-testid="stSidebar"]')
    for label in ("Model", "Layer", "Head", "Query token"):
        assert sidebar.get_by_text(label, exact=True).count() == 1, label
    rope = seen["RoPE"]
    assert [chart["title"] for chart in rope[:2]] == ["q and k before and after the rotation", "Rotation of each dimension pair"]  # side by side at the top
    assert rope[0]["top"] == rope[1]["top"]
    rows = sorted(f"{vector} {t(when, 'en')}" for vector in "qk" for when in ("steps_rope_before", "steps_rope_after"))
    assert sorted(label["text"] for label in rope[0]["y"]) == rows  # every row labelled


def test_the_other_tabs_show_their_main_chart_first_in_present_mode(app_server, projector):
    """Why √d_k and all heads: the chart before the controls and notes, in view and readable. Masks: its map starts on
    the first screen (16 rows of 18 px labels under upright key labels need more than the 500 px left below the tabs)."""
    open_present(projector, f"{app_server.url}/step_by_step?present=1", "step_by_step_tabs")
    tabs = projector.locator('[data-testid="stTabs"]').first.locator('[role="tab"]')
    where = {"layer": 0, "head": 0, "query": 1}  # the page's defaults
    for index, key, whole in ((1, "steps_variant_title", True), (3, "steps_heads_title", True), (2, "heatmap_title", False)):
        tabs.nth(index).click()
        wait_idle(projector)
        projector.wait_for_timeout(800)
        shown = [chart for chart in projector.evaluate(ALL_TICKS_JS) if chart["width"] > 0]
        first = shown[0]
        assert first["title"] == t(key, "en", **where), (first["title"], key)
        assert first["top"] < 300, (key, first["top"])
        if whole:
            assert first["top"] + first["height"] <= PROJECTOR["height"], (key, first["top"], first["height"])
            assert_readable(first)
        projector.screenshot(path=str(ARTIFACTS / "present" / f"step_by_step_tab_{index + 1}.png"))
