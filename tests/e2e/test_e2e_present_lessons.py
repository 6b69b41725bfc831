"""The ten lessons in present mode in chromium at 1280 × 720 (a projector), one section per tab stepped with →:
in every section that has a chart, the first chart starts in the top 300 px and ends on the screen without
scrolling, its text at least 18 px with no label on another; the section's widgets are in the sidebar.

One app server for the file, one page per lesson. Screenshots go to test-artifacts/present/.
"""

from __future__ import annotations

import pytest
from harness import ARTIFACTS, choose, wait_idle
from present_checks import CHARTS_JS, PROJECTOR, assert_readable, open_present

# url path -> the tabs (by index) whose section draws a chart. Lesson 8 draws its charts only after a measurement.
CHART_TABS = {
    "lesson_word_vectors": {2, 3},
    "lesson_search": {1, 2, 3},
    "lesson_soft_hard": {0, 1, 2, 3},
    "lesson_scoring": {1, 2},
    "lesson_separate_qk": {1, 2},
    "lesson_positions": {0, 1, 2},
    "lesson_block": {0, 3},
    "lesson_cost": set(),
    "lesson_it": {1, 2},
    "lesson_multi_head": {1, 2},
}
CHINESE = ("lesson_soft_hard", "lesson_search", "lesson_it")  # the longest labels: token axes, catalogue titles, many sidebar widgets
SELECTED_TAB_JS = '() => (document.querySelector(\'[role="tab"][aria-selected="true"]\') || {}).textContent'
SIDEBAR_WIDGETS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stSidebarUserContent"] [data-testid="stWidgetLabel"]'))
  .map(label => label.textContent.trim()).filter(text => text)"""
MAIN_WIDGETS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] [role="tabpanel"]'))
  .filter(panel => panel.getBoundingClientRect().height > 0)
  .flatMap(panel => Array.from(panel.querySelectorAll('[data-testid="stSlider"], [data-testid="stTextInput"], [data-testid="stNumberInput"]')))
  .filter(widget => widget.getBoundingClientRect().height > 0).length"""


def open_lesson(page, url: str) -> list[str]:
    """Open a lesson in present mode; returns its tabs' titles (the first one open)."""
    page.goto(url)
    wait_idle(page)
    page.wait_for_selector('[role="tab"]')
    page.wait_for_timeout(800)  # plotly's last layout pass
    return page.locator('[role="tab"]').all_inner_texts()


def step_to(page, title: str) -> None:
    """→ (the Next button's shortcut) opens the next section; wait for its run to finish and its charts to settle."""
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({SELECTED_TAB_JS})() === {title!r}")
    wait_idle(page)
    page.wait_for_timeout(800)


@pytest.mark.parametrize(("lesson", "lang"), [*((lesson, "en") for lesson in CHART_TABS), *((lesson, "zh") for lesson in CHINESE)])
def test_lessons_in_present_mode(app_server, projector, lesson, lang):
    """Every section's chart comes before its widgets and prose: in view at 1280 × 720 without scrolling, readable."""
    titles = open_lesson(projector, f"{app_server.url}/{lesson}?present=1&lang={lang}")
    assert len(titles) >= 3  # one section per tab
    ARTIFACTS.joinpath("present").mkdir(parents=True, exist_ok=True)
    with_chart, problems = set(), []
    for index, title in enumerate(titles):
        if index:
            step_to(projector, title)
        projector.screenshot(path=str(ARTIFACTS / "present" / f"{lesson}_{lang}_{index}.png"))
        assert projector.evaluate("() => window.scrollY + document.querySelector('[data-testid=\"stMain\"]').scrollTop") == 0
        assert projector.evaluate(MAIN_WIDGETS_JS) == 0, (title, "a slider or text box in the section itself: it belongs in the sidebar")
        shown = [chart for chart in projector.evaluate(CHARTS_JS) if chart["width"] > 0]  # other tabs' charts are hidden
        if not shown:
            continue
        with_chart.add(index)
        first = shown[0]
        if not (first["top"] < 300 and first["top"] + first["height"] <= PROJECTOR["height"]):
            problems.append((title, first["title"], round(first["top"]), round(first["top"] + first["height"])))
        axes = tuple(axis for axis in ("x", "y") if first[axis])
        if axes or first["title"]:  # the block diagram (lesson 7) has neither axes nor a title
            assert_readable(first, axes)
    assert not problems, problems  # (section, chart, top, bottom): the chart is not wholly on the first screen
    assert with_chart == CHART_TABS[lesson]


def test_a_sections_widgets_are_in_the_sidebar_while_it_is_open(app_server, projector):
    """Lesson 3: the page's own widgets stay in the sidebar; the Hard section's slider joins them only while Hard is open
    (reached with →), and gives way to Local's when a click opens Local."""
    titles = open_lesson(projector, f"{app_server.url}/lesson_soft_hard?present=1")
    labels = projector.evaluate(SIDEBAR_WIDGETS_JS)
    assert {"Sentence", "Layer", "Head", "Query token"} <= set(labels) and not any(label.startswith("k ") for label in labels), labels
    step_to(projector, titles[1])
    labels = projector.evaluate(SIDEBAR_WIDGETS_JS)
    assert {"Sentence", "Layer", "Head", "Query token"} <= set(labels) and any(label.startswith("k ") for label in labels), labels
    slider = projector.locator('[data-testid="stSidebar"] [data-testid="stSlider"]')
    assert slider.count() == 1 and slider.first.bounding_box()["y"] + slider.first.bounding_box()["height"] <= PROJECTOR["height"]
    projector.locator('[role="tab"]').nth(2).click()  # a click on a tab, not →: Local's slider takes Hard's place
    projector.wait_for_function("() => Array.from(document.querySelectorAll('[data-testid=\"stSidebar\"] [data-testid=\"stWidgetLabel\"]')).some(l => l.textContent.startsWith('Window radius'))")
    wait_idle(projector)
    labels = projector.evaluate(SIDEBAR_WIDGETS_JS)
    assert not any(label.startswith("k ") for label in labels) and slider.count() == 1, labels


def test_lesson_8s_measurement_shows_its_charts_first(app_server, projector):
    """Lesson 8's charts come with a measurement: its settings and the Measure button in the sidebar, then the time chart
    heads the section, on the first screen."""
    titles = open_lesson(projector, f"{app_server.url}/lesson_cost?present=1")
    step_to(projector, titles[1])
    sidebar = '[data-testid="stSidebar"] '
    for label, option in (("Shortest n", "8"), ("Longest n", "16"), ("Width d", "8")):
        choose(projector, label, option, scope=sidebar)
        wait_idle(projector)
    projector.locator(sidebar + '[data-testid="stBaseButton-primary"]').filter(has_text="Measure").click()
    projector.wait_for_selector('[data-testid="stPlotlyChart"] .xtick text', timeout=120_000)
    wait_idle(projector)
    projector.wait_for_timeout(800)
    projector.screenshot(path=str(ARTIFACTS / "present" / "lesson_cost_measured.png"))
    shown = [chart for chart in projector.evaluate(CHARTS_JS) if chart["width"] > 0]
    assert [chart["title"] for chart in shown][:2] == ["Time against n (d = 8), log-log", "Memory against n (d = 8), log-log"]
    first = shown[0]
    assert first["top"] < 300 and first["top"] + first["height"] <= PROJECTOR["height"], (first["top"], first["height"])
    assert_readable(first, ("x",))  # n = 8 … 16 spans less than a decade of time: the y axis's decade labels fall outside it


def test_predict_then_reveal_is_large_in_present_mode(app_server, projector):
    """Lesson 3's closing question in Chinese: every answer a radio button in view, its text at least 18 px; one click
    and the reveal button give the verdict on the same screen."""
    titles = open_lesson(projector, f"{app_server.url}/lesson_soft_hard?present=1&lang=zh")
    for title in titles[1:]:
        step_to(projector, title)
    options = projector.locator('[role="tabpanel"]:visible [data-testid="stRadio"] [role="radiogroup"] label')
    assert options.count() == 4
    sizes = [float(size[:-2]) for size in options.evaluate_all("labels => labels.map(l => getComputedStyle(l.querySelector('p') || l).fontSize)")]
    assert min(sizes) >= 18, sizes
    options.nth(0).click()
    wait_idle(projector)
    projector.locator('[role="tabpanel"]:visible [data-testid="stBaseButton-primary"]').click()
    wait_idle(projector)
    verdict = projector.locator('[role="tabpanel"]:visible [data-testid="stAlert"]').first
    verdict.wait_for()
    box = verdict.bounding_box()
    assert "模型的答案是" in verdict.inner_text() and box["y"] + box["height"] <= PROJECTOR["height"], (verdict.inner_text(), box)
    projector.screenshot(path=str(ARTIFACTS / "present" / "lesson_soft_hard_zh_revealed.png"))


def test_arrow_keys_step_through_a_lessons_sections(app_server, projector):
    open_present(projector, f"{app_server.url}/lesson_it?present=1", "lesson_it_keys_before")
    titles = projector.locator('[role="tab"]').all_inner_texts()
    assert projector.evaluate(SELECTED_TAB_JS) == titles[0]
    projector.mouse.click(1260, 700)  # focus the page, not a text box
    for key, expected in (("ArrowRight", 1), ("ArrowRight", 2), ("ArrowLeft", 1)):
        projector.keyboard.press(key)
        projector.wait_for_function(f"() => ({SELECTED_TAB_JS})() === {titles[expected]!r}")
        wait_idle(projector)
    projector.screenshot(path=str(ARTIFACTS / "present" / "lesson_it_keys_after.png"))
    panel = projector.locator('[role="tabpanel"]:visible')
    assert panel.count() == 1 and panel.first.inner_text().strip()  # the open section's content is what is shown
