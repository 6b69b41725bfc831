"""The encoder–decoder pages in chromium at 1280×720, in English and 中文: the main chart on the first
screen, showing the bundled models' tokens; stepping through the output; a short training runs to its end.

The server is this module's own, with ``ATTNVIZ_TRAIN_STEPS`` small so that a training ends in seconds.
Screenshots (1280×720 and 1400×1000) go to test-artifacts/.
"""

from __future__ import annotations

import pytest
from harness import AppServer, screenshot, wait_idle

from attnviz.i18n import t
from attnviz.training import bundle

needs_translator = pytest.mark.skipif(not (bundle.TOY_SEQ2SEQ / "model.safetensors").is_file(), reason="assets/toy-seq2seq is not trained yet (scripts/train_seq2seq.py)")
needs_gru = pytest.mark.skipif(not (bundle.TOY_RNN / "manifest.json").is_file(), reason="assets/toy-rnn is not trained yet (scripts/train_seq2seq.py)")

SMALL = {"width": 1280, "height": 720}
LARGE = {"width": 1400, "height": 1000}
SOURCE = "30 November 2026"
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


@pytest.fixture(scope="module")
def server():
    with AppServer(env={"ATTNVIZ_TRAIN_STEPS": "12"}) as app:
        yield app


def open_page(browser, server, path: str, lang: str, viewport: dict = SMALL):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(120_000)
    page = context.new_page()
    page.goto(f"{server.url}/{path}?lang={lang}")
    wait_idle(page)
    page.wait_for_selector(CHART)
    return page


def chart_box(page, title: str) -> dict:
    """The bounding box of the chart whose title starts with ``title``."""
    box = page.evaluate(
        """(title) => {
          const plot = Array.from(document.querySelectorAll('.js-plotly-plot')).find(p => (p.querySelector('.gtitle') || {}).textContent?.startsWith(title));
          if (!plot) return null;
          const r = plot.getBoundingClientRect();
          return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
        }""",
        title,
    )
    assert box is not None, f"no chart titled {title!r}"
    return box


def ticks(page, title: str, axis: str) -> list[str]:
    return page.evaluate(
        """([title, axis]) => {
          const plot = Array.from(document.querySelectorAll('.js-plotly-plot')).find(p => (p.querySelector('.gtitle') || {}).textContent?.startsWith(title));
          return Array.from(plot.querySelectorAll(`.${axis}tick text`)).map(t => t.textContent);
        }""",
        [title, axis],
    )


@needs_translator
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_translation_shows_the_alignment_on_the_first_screen_and_steps_through_the_output(browser, server, lang):
    import attnviz
    model = attnviz.load_model("toy-seq2seq", device="cpu")
    cap = model.run_with_capture(SOURCE)
    page = open_page(browser, server, "translation", lang)
    title = t("s2s_alignment_title", lang, layer=cap.n_decoder_layers - 1, head=t("s2s_head_mean", lang))
    box = chart_box(page, title)
    assert box["top"] < SMALL["height"] - 200, box  # the alignment's top 200 px (its title, the source axis, the first rows) on the first screen
    assert ticks(page, title, "x") == list(cap.tokens)
    assert ticks(page, title, "y") == list(cap.output_tokens)
    assert model.translate(SOURCE) in page.inner_text('[data-testid="stMain"]')
    screenshot(page, f"s2s_translation_{lang}_1280x720")
    page.get_by_role("button", name="▶").click()
    wait_idle(page)
    page.get_by_role("button", name="▶").click()
    wait_idle(page)
    step_two = t("s2s_tr_so_far", lang, step=2, given="", written="", token="").split("**")[0]  # "Step 2: given "
    page.get_by_text(step_two.strip()).first.wait_for()
    page.context.close()
    large = open_page(browser, server, "translation", lang, LARGE)
    screenshot(large, f"s2s_translation_{lang}_1400x1000")
    large.context.close()


@needs_gru
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_why_attention_shows_the_length_curve_on_the_first_screen(browser, server, lang):
    page = open_page(browser, server, "why_attention", lang)
    box = chart_box(page, t("s2s_curve_title", lang))
    assert box["top"] < SMALL["height"] - 250, box
    names = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot .legendtext')).map(t => t.textContent)")
    assert t("s2s_model_plain", lang) in names and t("s2s_model_attention", lang) in names
    screenshot(page, f"s2s_why_{lang}_1280x720")
    page.context.close()
    large = open_page(browser, server, "why_attention", lang, LARGE)
    screenshot(large, f"s2s_why_{lang}_1400x1000")
    large.context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_short_training_runs_to_its_end_in_the_browser(browser, server, lang):
    context = browser.new_context(viewport=SMALL)
    context.set_default_timeout(180_000)
    page = context.new_page()
    page.goto(f"{server.url}/train_yourself?lang={lang}")
    wait_idle(page)
    page.get_by_role("button", name=t("s2s_train_start", lang)).click()
    page.get_by_text(t("s2s_train_status_done", lang, step=12, total=12, seconds="")[:12]).first.wait_for(timeout=180_000)
    wait_idle(page)
    box = chart_box(page, t("s2s_train_curves_title", lang))
    assert box["top"] < SMALL["height"], box
    screenshot(page, f"s2s_train_{lang}_1280x720")
    page.set_viewport_size(LARGE)
    screenshot(page, f"s2s_train_{lang}_1400x1000")
    context.close()
