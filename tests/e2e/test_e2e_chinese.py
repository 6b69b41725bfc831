"""A Chinese sentence in a real browser: MiniLM's [UNK] is explained, SmolLM2's tokens read as characters, never "�".

The expected token labels come from SmolLM2's own tokenizer's offsets mapping (which
characters each token covers), not from attnviz.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from harness import screenshot, wait_for_tokens, wait_idle

SENTENCE = "动物没有过马路，因为它太累了。"
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def expected_labels(text: str) -> list[str]:
    """Each token's characters from the offsets mapping; a character several tokens share gets its part number."""
    from transformers import AutoTokenizer

    from attnviz.loading.gguf_cache import cache_folder
    from attnviz.loading.registry import gguf_source

    tokenizer = AutoTokenizer.from_pretrained(cache_folder(gguf_source("smollm2")), local_files_only=True, trust_remote_code=False)
    spans = tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
    labels = []
    for i, (start, end) in enumerate(spans):
        label = ""
        for c in range(start, end):
            holders = [j for j, (s, e) in enumerate(spans) if s <= c < e]
            label += text[c] + (str(holders.index(i) + 1).translate(SUPERSCRIPT) if len(holders) > 1 else "")
        labels.append(label)
    return labels


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_on_the_explorer_and_next_token_reads_as_characters(app_server, page, lang):
    page.goto(f"{app_server.url}/?{urlencode({'text': SENTENCE, 'lang': lang, 'model': 'minilm'})}")
    wait_idle(page)
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="[UNK]")
    assert warning.count() == 1
    screenshot(page, f"chinese/e2e-explorer-minilm-{lang}")
    page.get_by_role("button", name="SmolLM2", exact=False).click()
    wait_idle(page)
    labels = expected_labels(SENTENCE)
    wait_for_tokens(page, labels, "x")
    assert "\ufffd" not in page.locator("body").inner_text()
    assert page.locator('[data-testid="stAlert"]').filter(has_text="[UNK]").count() == 0
    screenshot(page, f"chinese/e2e-explorer-smollm2-{lang}")

    page.get_by_role("link", name="Next token" if lang == "en" else "下一个 token").first.click()
    wait_idle(page)
    box = page.locator('[data-testid="stTextArea"] textarea').first
    box.fill(SENTENCE)
    box.press("Control+Enter")
    page.wait_for_function(
        "(t) => Array.from(document.querySelectorAll('[data-testid=stPlotlyChart] .gtitle')).some(e => e.textContent.includes(t))", arg="“。”"
    )
    wait_idle(page)
    bars = page.evaluate(  # the candidates' bar chart (its title names the position's token); the attention chart beside it has its own ticks
        "(t) => Array.from(Array.from(document.querySelectorAll('[data-testid=stPlotlyChart]')).find(c => Array.from(c.querySelectorAll('.gtitle')).some(e => e.textContent.includes(t))).querySelectorAll('.ytick text')).map(e => e.textContent)",
        "“。”",
    )
    assert len(bars) == 10 and "\ufffd" not in "".join(bars)
    assert "\ufffd" not in page.locator("body").inner_text()
    screenshot(page, f"chinese/e2e-next-token-{lang}")
