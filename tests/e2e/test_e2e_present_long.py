"""Present mode with a long sentence (about 40 tokens) in chromium at 1280 × 720 (issue #12): lesson 3's heatmap
and Step by step's charts thin their token labels (every k-th shown) so that no 18 px label lies on another.

Screenshots go to test-artifacts/present/.
"""

from __future__ import annotations

from harness import ARTIFACTS, type_sentence, wait_idle
from present_checks import CHARTS_JS, assert_readable

SENTENCE = (
    "The quick brown fox jumps over the lazy dog while the small children watch from the old wooden bridge near the river and the tired farmer slowly walks home across the green fields tonight."
)


def readable_charts(page, name: str) -> list[dict]:
    """Every drawn chart (a box with width) on the page after its run: screenshot, then each checked readable."""
    wait_idle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .xtick text', state="attached")
    page.wait_for_timeout(800)  # plotly's last layout pass
    ARTIFACTS.joinpath("present").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "present" / f"{name}.png"))
    charts = [chart for chart in page.evaluate(CHARTS_JS) if chart["width"] > 0 and (chart["x"] or chart["y"])]
    assert charts
    for chart in charts:
        assert_readable(chart, tuple(axis for axis in ("x", "y") if chart[axis]))
    return charts


def test_lesson_3_with_a_40_token_sentence(app_server, projector):
    projector.goto(f"{app_server.url}/lesson_soft_hard?present=1")
    wait_idle(projector)
    box = projector.locator('[data-testid="stSidebar"] [data-testid="stTextInput"] input').first
    box.fill(SENTENCE)
    box.press("Enter")
    projector.wait_for_function("() => document.body.innerText.includes('tonight') || "
                                "Array.from(document.querySelectorAll('.xtick text')).some(t => t.textContent.includes('tonight'))",
                                timeout=120_000)  # fmt: skip
    charts = readable_charts(projector, "lesson3_long")
    heat = charts[0]
    assert any(label["text"] for label in heat["y"]) and len(heat["y"]) < 40  # thinned, not all 40


def test_step_by_step_with_a_40_token_sentence(app_server, projector):
    projector.goto(f"{app_server.url}/step_by_step?present=1")
    wait_idle(projector)
    type_sentence(projector, SENTENCE)
    wait_idle(projector)
    readable_charts(projector, "steps_long")
