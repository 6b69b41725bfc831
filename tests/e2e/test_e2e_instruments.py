"""The Instruments in a real browser, in English and Chinese: the head finder (a click on its map opens that head's
card, which AppTest cannot do) and the logit lens; Does attention explain the output? (five methods per token, the
completeness check, the statement that attention weights are not explanations), Ablation and patching (a short
prompt, so that the 270 runs take seconds) and Minimal pairs (the heads that change most), driven by typing,
choosing and clicking."""

from __future__ import annotations

from harness import choose, screenshot, wait_idle

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


# --- Does attention explain the output?, Ablation and patching, Minimal pairs ---------------

NO_TRACEBACK = '[data-testid="stException"]'
PLOT = ".st-key-{key} .js-plotly-plot"
SHORT_PROMPT = "When Mary and John left, John thanked"  # 9 tokens: 270 ablation runs in seconds
SHORT_DONOR = "When Mary and John left, Mary thanked"


def open_page(page, url: str, chart_key: str) -> None:
    page.goto(url)
    page.wait_for_selector(PLOT.format(key=chart_key), timeout=300_000)
    wait_idle(page, 300_000)


def chart_title(page, key: str) -> str:
    return page.locator(f"{PLOT.format(key=key)} .gtitle").text_content()


def tick_labels(page, key: str, axis: str) -> list[str]:
    """A chart's tick labels as they read on the screen: left to right (x), top to bottom (y)."""
    side = "left" if axis == "x" else "top"
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{PLOT.format(key=key)} .{axis}tick text')]
        .map(t => [t.getBoundingClientRect().{side}, t.textContent]).sort((a, b) => a[0] - b[0]).map(p => p[1])"""
    )


def shown_numbers(page, key: str) -> list[float]:
    """The numbers printed on a chart's cells or bars: its SVG text outside the axes' ticks, the colour bar and the title."""
    texts = page.evaluate(
        f"""() => [...document.querySelectorAll('{PLOT.format(key=key)} .main-svg text')]
        .filter(t => !t.closest('.xtick, .ytick, .colorbar, .gtitle, .g-xtitle, .g-ytitle')).map(t => t.textContent)"""
    )
    numbers = []
    for text in texts:
        try:
            numbers.append(float(text.replace("−", "-")))
        except ValueError:
            continue
    return numbers


def set_slider(page, key: str, presses: int) -> None:
    """Move a (select) slider by keyboard, as a user can: ArrowLeft ``presses`` times (negative: ArrowRight)."""
    thumb = page.locator(f'.st-key-{key} input[type="range"]')
    thumb.focus()
    for _ in range(abs(presses)):
        thumb.press("ArrowLeft" if presses > 0 else "ArrowRight")


def fill(page, key: str, text: str) -> None:
    """Type into the text box (input or text area) of widget ``key`` and submit it (Enter or Ctrl+Enter)."""
    box = page.locator(f".st-key-{key} input, .st-key-{key} textarea").first
    box.fill(text)
    box.press("Control+Enter" if box.evaluate("e => e.tagName") == "TEXTAREA" else "Enter")


def test_attribution_shows_five_methods_the_numbers_and_the_warning(app_server, page):
    open_page(page, f"{app_server.url}/attribution", "attr_complete")
    assert page.locator("h1").first.text_content() == "Does attention explain the output?"
    assert "by themselves they are not explanations" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert tick_labels(page, "attr_map", "y") == ["Attention (last layer)", "Attention rollout", "Attention flow", "Gradient × input", "Integrated gradients"]
    assert [label.split(" ·")[0] for label in tick_labels(page, "attr_map", "x")] == ["[CLS]", "a", "man", "is", "playing", "a", "guitar", ".", "[SEP]"]
    assert len(shown_numbers(page, "attr_map")) == 5 * 9  # every method's score on every token, printed
    total, change = shown_numbers(page, "attr_complete")
    assert abs(total - change) <= 0.01 * abs(change)
    gap = chart_title(page, "attr_complete")
    assert gap.startswith("Completeness: gap ") and float(gap.split("gap ")[1].split("%")[0]) < 1.0
    fill(page, "attr_first", "A woman is slicing an onion.")
    page.wait_for_function("() => [...document.querySelectorAll('.st-key-attr_map .xtick text')].some(t => t.textContent.startsWith('onion'))", timeout=300_000)
    wait_idle(page, 300_000)
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "attribution-en")


def test_attribution_in_chinese_on_smollm2s_indirect_object(app_server, page):
    open_page(page, f"{app_server.url}/attribution?lang=zh", "attr_complete")
    assert page.locator("h1").first.text_content() == "注意力能解释输出吗？"
    assert "单凭注意力权重并不构成解释" in page.locator('[data-testid="stAlert"]').first.inner_text()
    set_slider(page, "attr_steps", 2)  # 128 -> 32 steps: a shorter wait
    page.wait_for_function("() => document.querySelector('.st-key-attr_complete .gtitle')?.textContent.includes('32 步')", timeout=300_000)
    wait_idle(page, 300_000)
    choose(page, "模型", "SmolLM2-135M-Instruct（Llama 解码器，30 层 × 9 个头，共用 3 个键/值头）")
    page.wait_for_selector(".st-key-attr_target input", timeout=120_000)
    page.wait_for_function("() => [...document.querySelectorAll('.st-key-attr_map .xtick text')].some(t => t.textContent === ' to ·13')", timeout=300_000)
    wait_idle(page, 300_000)
    assert tick_labels(page, "attr_map", "y")[4] == "积分梯度"
    assert tick_labels(page, "attr_map", "x")[-1] == " to ·13"
    assert len(shown_numbers(page, "attr_map")) == 5 * 14
    assert "logit" in page.locator('[data-testid="stMarkdown"]').filter(has_text="Mary").first.inner_text()
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "attribution-zh")


def test_ablation_of_every_head_draws_the_map_and_the_top_heads(app_server, page):
    page.goto(f"{app_server.url}/ablation")
    button = page.get_by_role("button", name="Ablate every head")
    button.wait_for(timeout=300_000)
    wait_idle(page, 300_000)
    assert "270 runs of the model (30 layers × 9 heads)" in page.locator("body").inner_text()
    fill(page, "abl_prompt", SHORT_PROMPT)
    wait_idle(page, 300_000)
    page.get_by_role("button", name="Ablate every head").click()
    page.wait_for_selector(PLOT.format(key="abl_map"), timeout=300_000)
    wait_idle(page, 300_000)
    assert chart_title(page, "abl_map") == "Change in logit(target) − logit(distractor) when each head is ablated"
    assert len(tick_labels(page, "abl_map", "y")) >= 2 and len(shown_numbers(page, "abl_map")) == 0  # a colour map, layers on one axis
    clean = page.get_by_text("Unablated: logit(target) − logit(distractor) = ").inner_text()
    float(clean.rsplit("= ", 1)[1].rstrip("."))
    top = page.locator('[class*="st-key-abl_map_"] button').filter(has_text="Layer ").all_inner_texts()
    assert len(top) == 5 and all(": +" in t or ": -" in t for t in top)
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "ablation-en")


def test_patching_in_chinese_draws_the_map_and_the_top_heads(app_server, page):
    page.goto(f"{app_server.url}/ablation?lang=zh")
    page.get_by_role("button", name="逐个修补每个头").wait_for(timeout=300_000)
    wait_idle(page, 300_000)
    assert page.locator("h1").first.text_content() == "消融与激活修补：少了一个头会怎样？"
    fill(page, "abl_prompt", SHORT_PROMPT)
    wait_idle(page, 300_000)
    fill(page, "abl_donor", SHORT_DONOR)
    wait_idle(page, 300_000)
    page.get_by_role("button", name="逐个修补每个头").click()
    page.wait_for_selector(PLOT.format(key="abl_patch_map"), timeout=300_000)
    wait_idle(page, 300_000)
    assert chart_title(page, "abl_patch_map") == "每个头的 z 取自损坏提示词时logit（目标）− logit（干扰项）的变化"
    values = page.get_by_text("干净：").inner_text()
    clean, donor = (float(part.split("：")[1]) for part in values.rstrip("。").split("；"))
    assert clean > 0 > donor  # " Mary" wins on the clean prompt, " John" once Mary is the one thanking
    top = page.locator('[class*="st-key-abl_patch_map_"] button').filter(has_text="第 ").all_inner_texts()  # the ablation map above may show too (kept for this prompt)
    assert len(top) == 5 and all("层第" in t for t in top)
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "patching-zh")


def test_minimal_pairs_lists_the_heads_that_change_most(app_server, page):
    open_page(page, f"{app_server.url}/minimal_pairs", "pairs_map")
    assert page.locator("h1").first.text_content() == "Minimal pairs: change one word, see which heads change"
    assert chart_title(page, "pairs_map") == "Pattern change per head (mean total variation)"
    assert page.locator("h3").filter(has_text="The heads that change most").count() == 1
    heads = page.locator('.st-key-pairs_head [role="radiogroup"] label').all_inner_texts()
    assert len(heads) == 5 and all(h.startswith("Layer ") for h in heads)
    changes = [float(h.rsplit("(", 1)[1].rstrip(")")) for h in heads]
    assert changes == sorted(changes, reverse=True) and changes[0] > 0
    aligned = page.locator('[data-testid="stDataFrame"] table').first.inner_text()  # the grid's accessible table
    assert "tired" in aligned and "wide" in aligned and aligned.count("✓") == 1  # the one differing word is marked
    layer, head = heads[1].split(" (")[0].removeprefix("Layer ").split(", head ")
    page.locator('.st-key-pairs_head [role="radiogroup"] label').nth(1).click()
    page.wait_for_function(f"() => document.querySelector('.st-key-pairs_pattern_a .gtitle')?.textContent === 'Sentence A: layer {layer}, head {head}'")
    wait_idle(page)
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "minimal-pairs-en")


def test_minimal_pairs_in_chinese_after_typing_a_new_pair(app_server, page):
    open_page(page, f"{app_server.url}/minimal_pairs?lang=zh", "pairs_map")
    assert page.locator("h1").first.text_content() == "最小对比对：改动一个词，看哪些头随之改变"
    fill(page, "pairs_a", "The cat sat on the mat.")
    wait_idle(page, 300_000)
    fill(page, "pairs_b", "The dog sat on the mat.")
    page.wait_for_function("() => document.querySelector('[data-testid=stDataFrame] table')?.innerText.includes('dog')", timeout=300_000)
    wait_idle(page, 300_000)
    assert chart_title(page, "pairs_map") == "每个头的注意力模式变化（平均总变差）"
    assert page.locator("h3").filter(has_text="变化最大的头").count() == 1
    heads = page.locator('.st-key-pairs_head [role="radiogroup"] label').all_inner_texts()
    assert len(heads) == 5 and all(h.startswith("第 ") and "个头（" in h for h in heads)
    assert page.locator(NO_TRACEBACK).count() == 0
    screenshot(page, "minimal-pairs-zh")
