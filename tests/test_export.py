"""Export everywhere: a heatmap's CSV holds the numbers it shows, PNG and SVG are real images of the
figure, a saved capture loads back into the Explorer (AppTest) and a bad file is a clear error."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import struct
import weakref
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import torch
from apptest_helpers import array, figures, new_app, shown_text

import attnviz
from attnviz.app import export
from attnviz.errors import CaptureFileError
from attnviz.i18n import t
from attnviz.plots import maps

REPO = Path(__file__).resolve().parent.parent
TOKENS = ["[CLS]", "<b>x</b>", "=SUM(A1)", "the", "the", "[SEP]"]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def causal_map():
    """A 6-token causal pattern (rows softmax-normalised by hand) and its mask."""
    torch.manual_seed(0)
    mask = torch.ones(6, 6, dtype=torch.bool).tril()
    scores = torch.randn(6, 6).masked_fill(~mask, float("-inf"))
    return scores.exp() / scores.exp().sum(-1, keepdim=True), mask


def test_a_heatmaps_csv_holds_the_weights_it_shows_query_rows_by_key_columns(causal_map):
    pattern, mask = causal_map
    fig = maps.attention_heatmap(pattern, TOKENS, attn_mask=mask, title="t")
    rows = read_csv(export.tables_csv(export.figure_tables(fig)))
    header, body = rows[0], rows[1:]
    # the labels as shown, HTML escapes undone, a formula-looking token kept as text, a repeat told apart by position
    assert header == ["", "[CLS]", "<b>x</b>", "'=SUM(A1)", "the ·3", "the ·4", "[SEP]"]
    assert [row[0] for row in body] == header[1:]
    for i, row in enumerate(body):
        for j, cell in enumerate(row[1:]):
            if mask[i, j]:
                assert float(cell) == pytest.approx(float(pattern[i, j]), rel=1e-7)
            else:
                assert cell == ""  # masked: drawn grey, weight 0, no number shown


def test_a_window_and_hidden_keys_give_only_the_cells_drawn(causal_map):
    pattern, mask = causal_map
    fig = maps.attention_heatmap(pattern, TOKENS, attn_mask=mask, queries=range(2, 5), keys=range(0, 4), hidden_keys=[0])
    rows = read_csv(export.tables_csv(export.figure_tables(fig)))
    assert rows[0] == ["", "<b>x</b>", "'=SUM(A1)", "the ·3"]
    assert [row[0] for row in rows[1:]] == ["'=SUM(A1)", "the ·3", "the ·4"]
    assert float(rows[3][3]) == pytest.approx(float(pattern[4, 3]), rel=1e-7)


def test_a_figure_of_several_heatmaps_gives_one_numbered_table_each():
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Heatmap(z=[[1.0, 2.0]], x=["a", "b"], y=["r"]), row=1, col=1)
    fig.add_trace(go.Heatmap(z=[[3.5]], x=["c"], y=["s"]), row=1, col=2)
    fig.add_trace(go.Scatter(x=[0], y=[0]))
    assert read_csv(export.tables_csv(export.figure_tables(fig))) == [["# 1"], ["", "a", "b"], ["r", "1", "2"], ["# 2"], ["", "c"], ["s", "3.5"]]


def test_a_chart_without_a_heatmap_has_no_table():
    import plotly.graph_objects as go

    assert export.figure_tables(go.Figure(go.Bar(x=["a"], y=[1]))) == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.slow
def test_png_and_svg_are_images_of_the_figure_at_presentation_size(causal_map):
    pattern, mask = causal_map
    fig = maps.attention_heatmap(pattern, TOKENS, attn_mask=mask, title="Layer 0, head 0")
    assert png_size(export.figure_image(fig, "png")) == (2 * export.WIDTH, 2 * export.HEIGHT)
    svg = export.figure_image(fig, "svg").decode()
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and (root.get("width"), root.get("height")) == (str(export.WIDTH), str(export.HEIGHT))
    texts = "".join(root.itertext())
    assert "Layer 0, head 0" in texts and "&lt;b&gt;x&lt;/b&gt;" not in texts and "<b>x</b>" in texts  # the title and a token, shown as typed
    assert len(re.findall(r"<image ", svg)) == 1  # the heatmap's cells, as plotly draws them


@pytest.mark.slow
def test_a_tall_figure_keeps_its_height():
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=np.eye(3)), layout={"height": 1300})
    assert png_size(export.figure_image(fig, "png")) == (2 * export.WIDTH, 2 * 1300)


def test_an_unknown_image_format_is_refused():
    import plotly.graph_objects as go

    with pytest.raises(ValueError, match="png"):
        export.figure_image(go.Figure(), "pdf")


# --- the capture file -------------------------------------------------------------------------


def test_a_capture_whose_shapes_do_not_fit_together_is_refused(minilm):
    cap = minilm.run_with_capture("Cats sleep.")
    assert export.checked(attnviz.Capture.load(cap.to_bytes())) is not None
    from dataclasses import replace

    for bad in (replace(cap, tokens=cap.tokens[:-1]), replace(cap, z=cap.z[:, :, :3]), replace(cap, q=cap.q.double())):
        with pytest.raises(CaptureFileError):
            export.checked(attnviz.Capture.load(bad.to_bytes()))


def test_the_512_token_minilm_capture_fits_the_file_limit_and_the_server_takes_it(minilm):
    cap = minilm.run_with_capture("word " * 600, max_tokens=512)
    size = len(cap.to_bytes())
    assert cap.n_tokens == 512 and size < export.CAPTURE_FILE_MAX  # 32.5 MiB
    config = (REPO / ".streamlit" / "config.toml").read_text()
    assert re.search(r"maxUploadSize\s*=\s*(\d+)", config).group(1) == str(export.CAPTURE_FILE_MB)


def upload(at, data: bytes, name: str = "capture.safetensors"):
    nonce = at.session_state[export.UPLOAD_NONCE] if export.UPLOAD_NONCE in at.session_state else 0
    return at.file_uploader(key=f"{export.UPLOAD_KEY}_{nonce}").set_value((name, data, "application/octet-stream")).run()


@pytest.mark.slow
def test_the_explorer_offers_every_download(minilm):
    at = new_app().run()
    assert not at.exception
    labels = [button.label for button in at.get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == labels.count("CSV") == 1  # the head view's heatmap
    assert t("export_capture_download", "en") in labels
    camera = json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]  # the chart's own camera button
    assert camera == {"format": "png", "width": 1600, "height": 900, "scale": 2, "filename": "head_chart_layer0"}
    at.radio(key="view").set_value("lines").run()
    labels = [button.label for button in at.get("download_button")]
    assert "PNG" in labels and "CSV" not in labels  # the head view's lines hold no heatmap


@pytest.mark.slow
def test_a_saved_capture_loads_back_into_the_explorer_without_running_a_model(minilm, monkeypatch):
    saved = minilm.run_with_capture("Cats sleep all day.")
    at = new_app().run()

    def no_run(*args, **kwargs):
        raise AssertionError("the model ran")

    monkeypatch.setattr(attnviz.HookedTransformer, "run_with_capture", no_run)
    upload(at, saved.to_bytes())
    assert not at.exception
    assert t("export_capture_loaded", "en", model="minilm", n=7, layers=6, heads=12, text="Cats sleep all day\\.") in shown_text(at)
    fig = figures(at)[0]
    assert fig["layout"]["xaxis"]["ticktext"] == saved.tokens
    np.testing.assert_allclose(array(next(tr for tr in fig["data"] if tr["type"] == "heatmap")["z"]), saved.pattern[0, 0].numpy(), rtol=1e-6, atol=1e-7)
    at.selectbox(key="layer").set_value(5).run()
    at.selectbox(key="head").set_value(11).run()  # every layer and head of the file
    fig = figures(at)[0]
    np.testing.assert_allclose(array(next(tr for tr in fig["data"] if tr["type"] == "heatmap")["z"]), saved.pattern[5, 11].numpy(), rtol=1e-6, atol=1e-7)
    assert not any(box.label == t("sentence", "en") for box in at.text_area)  # nothing to type while a file is shown


@pytest.mark.slow
def test_a_file_that_is_not_a_capture_is_a_clear_error_in_chinese(minilm):
    at = new_app(lang="zh").run()
    upload(at, b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"{}" + b" " * 14)
    assert not at.exception
    assert at.error and "不是 attnviz 保存的捕获结果" in at.error[0].value
    assert figures(at)  # the typed sentence is shown again


def test_without_a_browser_on_the_server_the_csv_stays_and_a_note_points_to_the_camera(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(export, "image_export_available", lambda: False)  # AppTest runs the script in this process

    def page():
        import plotly.graph_objects as go

        from attnviz.app import export

        export.chart(go.Figure(go.Heatmap(z=[[0.25, 0.75]], x=["a", "b"], y=["q"])), "m", key="m")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert [button.label for button in at.get("download_button")] == ["CSV"]
    assert at.caption[0].value == t("export_no_browser", "en")


@pytest.mark.slow
def test_an_uploaded_capture_lives_in_the_shared_byte_bounded_cache_not_in_the_session(minilm):
    from attnviz.app import ui

    saved = minilm.run_with_capture("Owls hunt at night.")
    at = new_app().run()
    upload(at, saved.to_bytes())
    cache = ui.capture_cache()
    loaded = weakref.ref(cache.get(at.session_state[export.LOADED_CAPTURE]))  # the session holds the cache key alone
    assert loaded().text == "Owls hunt at night." and loaded().nbytes <= cache.max_bytes  # its bytes count in the cache's budget
    assert not at.file_uploader[0].value  # the uploader is a fresh one: Streamlit let the file's bytes go
    del cache
    ui.capture_cache.clear()  # the cache lets it go: nothing of the session keeps it
    gc.collect()
    assert loaded() is None


def test_every_page_draws_its_charts_through_export_chart():
    """No page calls ``plotly_chart`` itself: every chart gets the camera at presentation size and the Export menu."""
    pages = sorted(REPO.glob("pages/**/*.py"))
    direct = [str(path.relative_to(REPO)) for path in pages if re.search(r"\.plotly_chart\(", path.read_text())]
    assert direct == []
    assert sum("export.chart(" in path.read_text() for path in pages) >= 25
