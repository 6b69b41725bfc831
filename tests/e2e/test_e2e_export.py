"""Export in a real browser: a chart's PNG, SVG and CSV and the capture download as files of the right
type, the capture loaded back into the Explorer, and the query/key space page at 1280×720 in both languages."""

from __future__ import annotations

import json

from harness import ARTIFACTS, screenshot, wait_for_tokens, wait_idle

TRACES_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return gd ? gd._fullData.map(t => [t.name, t.x.length]) : null;
}"""


def download(page, key: str, name: str) -> bytes:
    """Click the download button with widget key ``key`` and return the file the browser saves."""
    with page.expect_download(timeout=120_000) as info:
        page.locator(f".st-key-{key} button:visible").first.click()
    path = ARTIFACTS / "downloads" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    info.value.save_as(path)
    return path.read_bytes()


def open_export(page, nth: int = 0) -> None:
    page.locator('[data-testid="stPopover"] button').filter(has_text="Export").nth(nth).click()


def test_the_head_charts_png_svg_and_csv_download_as_files_of_their_type(app_server, page):
    page.goto(app_server.url)
    page.wait_for_selector(".st-key-head_chart .js-plotly-plot", timeout=300_000)
    wait_idle(page)
    open_export(page)
    png = download(page, "head_chart_png", "head.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 3200  # 1600 px at scale 2
    svg = download(page, "head_chart_svg", "head.svg").decode()
    assert svg.startswith("<svg") and "Layer 0, head 0" in svg
    rows = download(page, "head_chart_csv", "head.csv").decode().splitlines()
    assert rows[0].split(",")[1:4] == ["[CLS]", "the ·1", "animal"] and len(rows) == 17  # a header and 16 query rows
    screenshot(page, "export-popover")


def test_the_capture_downloads_and_loads_back_into_the_explorer(app_server, page):
    page.goto(f"{app_server.url}/?text=Owls+hunt+at+night.")
    wait_for_tokens(page, ["[CLS]", "owls", "hunt", "at", "night", ".", "[SEP]"], timeout_ms=300_000)
    wait_idle(page)
    page.get_by_text("Save or load a capture").click()
    data = download(page, "capture_download", "owls.safetensors")
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    manifest = json.loads(header["__metadata__"]["attnviz"])
    assert manifest["text"] == "Owls hunt at night." and manifest["model"] == "minilm" and manifest["shapes"]["q"] == [6, 7, 12, 32]
    page.goto(app_server.url)  # another text, then the file
    wait_for_tokens(page, ["[CLS]", "the", "animal", "didn", "'", "t", "cross", "the", "street", "because", "it", "was", "too", "tired", ".", "[SEP]"], timeout_ms=300_000)
    page.get_by_text("Save or load a capture").click()
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(ARTIFACTS / "downloads" / "owls.safetensors"))
    wait_for_tokens(page, ["[CLS]", "owls", "hunt", "at", "night", ".", "[SEP]"])
    wait_idle(page)
    assert "Showing the loaded capture: model minilm, 7 tokens" in page.locator('[data-testid="stAlert"]').first.inner_text()
    screenshot(page, "export-capture-loaded")


def qk_page(page, url: str, width: int, height: int, name: str, title: str) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(".st-key-qk_chart .js-plotly-plot", timeout=600_000)
    wait_idle(page, 300_000)
    assert page.locator("h1").first.text_content() == title
    traces = page.evaluate(TRACES_JS, "qk_chart")
    assert len(traces) == 2 and traces[0][1] == traces[1][1] > 1000  # every probe token as a query and as a key
    box = page.locator(".st-key-qk_chart").bounding_box()
    assert box["width"] <= width and box["height"] >= 400
    screenshot(page, name)


def test_the_query_key_page_renders_at_1280x720_and_1400x1000_in_both_languages(app_server, page):
    for width, height in ((1280, 720), (1400, 1000)):
        qk_page(page, f"{app_server.url}/qk_space", width, height, f"qk-space-en-{width}", "Query/key space of a head")
        qk_page(page, f"{app_server.url}/qk_space?lang=zh", width, height, f"qk-space-zh-{width}", "一个头的查询/键空间")
    legend = page.locator(".st-key-qk_chart .legendtext").all_text_contents()
    assert legend == ["查询", "键"]
