"""The Attention Explorer in a real browser (Debian's chromium driven by Playwright).

Expected tokens come from the Hugging Face tokenizer and expected weights from Hugging
Face's eager BERT, not from attnviz.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
import torch
from harness import axis_labels, choose, screenshot, type_sentence, wait_for_tokens, wait_idle

CELL_CENTRE_JS = """([i, j]) => {
  const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(j), box.top + ya._offset + ya.l2p(i)];
}"""

HEAD_MAP_CENTRE_JS = """([layer, head]) => {
  const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  gd.scrollIntoView({block: 'center'});
  const trace = gd._fullData.find(t => t.type === 'scatter' && t.customdata);
  const k = trace.customdata.findIndex(c => c[0] === layer && c[1] === head);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(trace.x[k]), box.top + ya._offset + ya.l2p(trace.y[k])];
}"""


def chart_title(page) -> str:
    return page.locator('[data-testid="stPlotlyChart"] .gtitle').first.text_content()


def selectbox_value(page, label: str) -> str:
    """What the selectbox labelled ``label`` shows as its current choice."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    field = box.locator("input").first
    return field.input_value() or field.get_attribute("placeholder")


def hf_pattern(minilm_hf, tokenizer_text: str) -> torch.Tensor:
    from transformers import AutoTokenizer

    from attnviz.loading.registry import model_folder

    tokenizer = AutoTokenizer.from_pretrained(model_folder("minilm"), local_files_only=True, trust_remote_code=False)
    with torch.inference_mode():
        out = minilm_hf(**tokenizer(tokenizer_text, return_tensors="pt"), output_attentions=True)
    return torch.stack([a[0] for a in out.attentions])  # [layer, head, query_pos, key_pos]


def test_typed_sentence_shows_its_tokens_and_hover_reads_the_weight(app_server, page, tokens_of, minilm_hf):
    page.goto(app_server.url)
    wait_idle(page)
    sentence = "Dogs chase cats in the garden."
    type_sentence(page, sentence)
    wait_for_tokens(page, tokens_of(sentence), "x")
    wait_for_tokens(page, tokens_of(sentence), "y")
    wait_idle(page)
    screenshot(page, "explorer-head-view")

    i, j = 3, 2
    x, y = page.evaluate(CELL_CENTRE_JS, [i, j])
    page.mouse.move(x, y)
    hover = page.locator(".hoverlayer .hovertext").first
    hover.wait_for()
    text = hover.text_content()
    tokens = tokens_of(sentence)
    assert f"query: {tokens[i]}" in text and f"key: {tokens[j]}" in text
    expected = hf_pattern(minilm_hf, sentence)[0, 0, i, j].item()
    shown = float(re.search(r"weight: ([0-9.]+)", text).group(1))
    assert abs(shown - expected) < 6e-5


def test_clicking_a_small_map_in_the_model_view_opens_that_head(app_server, page, tokens_of):
    page.goto(app_server.url)
    wait_idle(page)
    page.get_by_text("Model view (all layers × heads)").click()
    page.wait_for_function("() => !!document.querySelector('[data-testid=\"stPlotlyChart\"] .scatterlayer .point')")
    wait_idle(page)
    screenshot(page, "explorer-model-view")
    x, y = page.evaluate(HEAD_MAP_CENTRE_JS, [2, 5])
    page.mouse.click(x, y)
    page.wait_for_function("() => (document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle') || {}).textContent === 'Layer 2, head 5'")
    wait_idle(page)
    assert "layer=2" in page.url and "head=5" in page.url and "view=head" in page.url
    assert axis_labels(page, "x")[2] == "animal"


def test_switching_to_chinese_shows_chinese_labels_and_keeps_the_view(app_server, page, tokens_of):
    page.goto(app_server.url)
    wait_idle(page)
    sentence = "Birds sing at dawn."
    type_sentence(page, sentence)
    wait_for_tokens(page, tokens_of(sentence))
    choose(page, "Head", "4")
    page.wait_for_function("() => (document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle') || {}).textContent === 'Layer 0, head 4'")
    page.get_by_text("Average over the layer's heads").click()
    page.wait_for_function("() => ((document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle') || {}).textContent || '').includes('mean over')")
    choose(page, "Language", "中文", scope='[data-testid="stSidebar"] ')
    page.get_by_role("heading", name="注意力探查器").wait_for()
    wait_idle(page)
    screenshot(page, "explorer-zh")
    assert page.get_by_text("该层所有头的平均").is_visible()
    assert page.locator('[data-testid="stRadio"] input[type="radio"]:checked').count() == 1
    checked = page.locator('[data-testid="stRadioOption"]').filter(has=page.locator("input:checked")).inner_text()
    assert checked == "该层所有头的平均"
    assert page.locator('[data-testid="stTextArea"] textarea').input_value() == sentence
    assert "个头的平均" in chart_title(page)
    assert "lang=zh" in page.url and "view=average" in page.url and "head=4" in page.url
    wait_for_tokens(page, tokens_of(sentence))
    assert selectbox_value(page, "示例") == "— 选择一个示例 —"  # was left in English before the fix in ui._relabel_choices

    choose(page, "语言", "English", scope='[data-testid="stSidebar"] ')
    page.get_by_role("heading", name="Attention Explorer").wait_for()
    wait_idle(page)
    assert selectbox_value(page, "Examples") == "— pick an example —"
    assert selectbox_value(page, "Head") == "4"


def test_a_shared_url_opens_the_same_view(app_server, page, tokens_of):
    sentence = "Cats sleep a lot."
    query = urlencode({"text": sentence, "layer": 3, "head": 5, "view": "average", "lang": "zh"})
    page.goto(f"{app_server.url}/?{query}")
    wait_for_tokens(page, tokens_of(sentence))
    wait_idle(page)
    screenshot(page, "explorer-shared-url")
    assert page.get_by_role("heading", name="注意力探查器").is_visible()
    assert page.locator('[data-testid="stTextArea"] textarea').input_value() == sentence
    assert chart_title(page) == "第 3 层，12 个头的平均"
    assert selectbox_value(page, "头") == "5"


@pytest.mark.parametrize("hostile", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"], ids=["img", "script"])
def test_html_typed_by_a_user_shows_as_text_and_never_runs(app_server, page, tokens_of, hostile):
    page.goto(app_server.url)
    wait_idle(page)
    type_sentence(page, hostile)
    wait_for_tokens(page, tokens_of(hostile))
    wait_idle(page)
    x, y = page.evaluate(CELL_CENTRE_JS, [1, 1])
    page.mouse.move(x, y)
    hover = page.locator(".hoverlayer .hovertext").first
    hover.wait_for()
    screenshot(page, f"explorer-hostile-{'img' if 'img' in hostile else 'script'}")
    assert axis_labels(page, "x")[1].startswith("<") and "key: <" in hover.text_content()
    assert page.locator('[data-testid="stPlotlyChart"] img, [data-testid="stPlotlyChart"] script').count() == 0
    assert page.locator("img[src='x']").count() == 0
    assert page.locator('[data-testid="stTextArea"] textarea').input_value() == hostile
    page.wait_for_timeout(500)
    assert page.dialogs == []


def test_every_page_in_the_navigation_opens_without_an_error(app_server, page):
    page.goto(app_server.url)
    wait_idle(page)
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count():
        more.click()
    links = page.locator('[data-testid="stSidebarNavLink"]')
    urls = [links.nth(k).get_attribute("href") for k in range(links.count())] or [page.url]
    for url in urls:
        page.goto(url if url.startswith("http") else app_server.url + url)
        wait_idle(page)
        page.wait_for_timeout(300)
        wait_idle(page)
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] or "home"
        screenshot(page, f"page-{name}")
        assert page.locator('[data-testid="stException"]').count() == 0, url
        assert page.locator("h1").count() >= 1, url


def test_a_page_address_as_the_first_request_after_a_restart_works(page, tokens_of):
    """Until some session has run app.py, Streamlit runs a pages/ script alone for /explorer (it crashed)."""
    from harness import AppServer

    sentence = "Owls hunt at night."
    with AppServer() as fresh:
        page.goto(f"{fresh.url}/explorer?{urlencode({'text': sentence})}")
        wait_for_tokens(page, tokens_of(sentence))
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("Page not found").count() == 0  # /explorer is a page, not a fallback to "/"
        assert page.get_by_role("heading", name="Attention Explorer").is_visible()


@pytest.mark.parametrize("path", ["/", "/explorer"])
def test_the_explorer_answers_at_its_addresses(app_server, page, path):
    """The default page is served at "/"; /explorer (the address links and people type) opens it too, with no "Page not found"."""
    page.goto(f"{app_server.url}{path}?lang=zh")
    page.get_by_role("heading", name="注意力探查器").wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)
    assert page.get_by_text("Page not found").count() == 0 and page.get_by_text("找不到").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_lesson_address_as_the_first_request_after_a_restart_opens_in_the_frame(page):
    """Streamlit's legacy pages/ mode would answer "Page not found" and list pages/*.py files."""
    from harness import AppServer

    with AppServer() as fresh:
        page.goto(f"{fresh.url}/lesson_search")
        page.get_by_role("heading", name="Lesson 2", exact=False).first.wait_for()
        wait_idle(page)
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        links = page.locator('[data-testid="stSidebarNavLink"]')
        hrefs = [links.nth(k).get_attribute("href") or "" for k in range(links.count())]
        assert any(href.rstrip("/").endswith("/lesson_search") for href in hrefs)  # app.py's navigation, not a file list
        assert not any(href.rstrip("/").endswith(("/app", "/step_by_step.py")) for href in hrefs)
