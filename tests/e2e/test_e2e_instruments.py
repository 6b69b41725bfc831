"""The head finder and the logit lens in a real browser: a click on the head map opens that head's card
(AppTest cannot click a chart), both pages in English and Chinese."""

from __future__ import annotations

from harness import screenshot, wait_idle

MAP_CELL_JS = """([key, layer, head]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  gd.scrollIntoView({block: 'center'});
  const trace = gd._fullData.find(t => t.type === 'scatter' && t.customdata);
  const k = trace.customdata.findIndex(c => c[0] === layer && c[1] === head);
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
  return [box.left + xa._offset + xa.l2p(trace.x[k]), box.top + ya._offset + ya.l2p(trace.y[k])];
}"""

HEADERS_JS = "() => [...document.querySelectorAll('h3')].map(h => h.textContent)"


def test_a_click_on_the_head_map_opens_that_heads_card(app_server, page):
    page.goto(f"{app_server.url}/head_finder")
    page.wait_for_selector(".st-key-hf_map .js-plotly-plot", timeout=300_000)
    wait_idle(page, 300_000)
    assert page.locator("h1").first.text_content() == "Head finder"
    x, y = page.evaluate(MAP_CELL_JS, ["hf_map", 3, 7])
    page.mouse.click(x, y)
    page.wait_for_function(f"() => ({HEADERS_JS})().some(t => t.startsWith('Head card: layer 3, head 7'))")
    wait_idle(page)
    screenshot(page, "head-finder-clicked")


def test_both_pages_in_chinese(app_server, page):
    page.goto(f"{app_server.url}/head_finder?lang=zh")
    page.wait_for_selector(".st-key-hf_map .js-plotly-plot", timeout=300_000)
    wait_idle(page, 300_000)
    assert page.locator("h1").first.text_content() == "注意力头查找器"
    assert page.locator(".st-key-hf_map .gtitle").text_content() == "前一个 token：每一层、每一个头"
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "研究工具" in sidebar and "Logit 透镜" in sidebar
    page.goto(f"{app_server.url}/logit_lens?lang=zh")
    page.wait_for_selector(".st-key-lens_map .js-plotly-plot", timeout=300_000)
    wait_idle(page, 300_000)
    assert page.locator("h1").first.text_content() == "Logit 透镜"
    cells = page.locator(".st-key-lens_map .js-plotly-plot").inner_text()
    assert "Paris" in cells  # the final layer's reading after " is"
    screenshot(page, "logit-lens-zh")
