"""Export: every chart downloads as PNG and SVG, every heatmap as CSV, a capture as safetensors.

``chart(fig, name, key=...)`` draws a plotly figure with ``st.plotly_chart`` and, in a small
"Export" popover under it, download buttons: PNG and SVG rendered on the server by kaleido
(plotly's own static export, which drives the system's chromium, offline) at presentation
size, and the shown numbers of its heatmaps as CSV. The buttons pass a function as
``st.download_button``'s ``data`` (Streamlit runs it only when the button is clicked), so a
rerun costs no export. The chart's own camera button (plotly.js, in the browser) also saves
a PNG at presentation size.

The Explorer's "Download the capture" and its uploader use ``capture_download`` and
``uploaded_capture``: a capture file is ``Capture.to_bytes`` (safetensors and a JSON
manifest, never pickle), at most ``CAPTURE_FILE_MB`` MiB either way.
"""

from __future__ import annotations

import csv
import functools
import html
import importlib.util
import io
import math
import threading
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from attnviz.app import ui
from attnviz.errors import CaptureFileError
from attnviz.loading import model_key
from attnviz.model.capture import Capture

WIDTH, HEIGHT, PNG_SCALE = 1600, 900, 2  # presentation size: a 16:9 slide; PNGs at twice the pixels
# A capture file is held whole in memory on the way out and on the way in (Streamlit's uploader
# keeps the bytes per session): 40 MiB holds a 512-token MiniLM capture (32.5 MiB) or about
# 120 SmolLM2 tokens. server.maxUploadSize in .streamlit/config.toml is the same.
CAPTURE_FILE_MB = 40
CAPTURE_FILE_MAX = CAPTURE_FILE_MB * 2**20
UPLOAD_KEY = "capture_upload"
UPLOAD_NONCE, LOADED_CAPTURE, UPLOAD_ERROR = "capture_upload_nonce", "capture_loaded", "capture_upload_error"
_EXPORT_LOCK = threading.Lock()  # one chromium render at a time: the server's cores serve the class first
_SERVER_STARTED = False
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting so as a formula


@dataclass(frozen=True)
class Table:
    """A heatmap's numbers with their labels: ``values[i, j]`` is row ``rows[i]``, column ``columns[j]``.

    Attributes:
        values: float ``[row, column]`` (NaN: a masked or empty cell, written empty).
        rows, columns: the labels (for an attention map: query tokens and key tokens).
    """

    values: np.ndarray
    rows: list[str]
    columns: list[str]


def chart(fig: go.Figure, name: str | None = None, *, key: str, data: Table | bool | None = None, container=None, config: dict | None = None, **kwargs):
    """Draw ``fig`` with ``st.plotly_chart`` in ``container`` (default ``st``), then its export buttons.

    Args:
        fig: the figure, drawn as it is (present mode's sizes included) and exported the same.
        name: the file name the downloads get, without extension (default: ``key``).
        key: the chart's widget key; the buttons' keys derive from it.
        data: the CSV's table; None: read from ``fig``'s heatmap traces (``figure_tables``);
            False: no CSV (a chart without a heatmap has none either way).
        container: where to draw (a column, a container); the buttons go under the chart.
        config: more plotly.js config (e.g. ``{"displayModeBar": False}``).
        **kwargs: passed to ``plotly_chart`` (``on_select``, ``selection_mode``, ...).

    Returns:
        What ``plotly_chart`` returns (the selection event when ``on_select`` is given).
    """
    where = st if container is None else container
    name = name or key
    camera = {"format": "png", "width": WIDTH, "height": export_height(fig), "scale": PNG_SCALE, "filename": name}
    event = where.plotly_chart(fig, key=key, config={"toImageButtonOptions": camera, **(config or {})}, **kwargs)
    menu = where.popover(ui.tr("export_menu"), icon=":material/download:")
    buttons = []  # (label, file data made on click, mime, help)
    if image_export_available():
        buttons += [("PNG", lambda: figure_image(fig, "png"), "image/png", "export_png_help"), ("SVG", lambda: figure_image(fig, "svg"), "image/svg+xml", "export_svg_help")]
    else:  # the camera in the chart's toolbar still saves a PNG, in the browser
        menu.caption(ui.tr("export_no_browser"))
    if isinstance(data, Table) or (data is None and any(trace.type == "heatmap" for trace in fig.data)):  # read from the figure on click
        buttons.append(("CSV", lambda: tables_csv([data] if isinstance(data, Table) else figure_tables(fig)), "text/csv", "export_csv_help"))
    for column, (label, make, mime, help_key) in zip(menu.columns(max(1, len(buttons)), gap="small"), buttons):
        extension = label.lower()
        column.download_button(label, data=make, file_name=f"{name}.{extension}", mime=mime, key=f"{key}_{extension}", on_click="ignore", help=ui.tr(help_key))
    return event


@functools.cache
def image_export_available() -> bool:
    """Whether this server can render PNG and SVG: kaleido is installed and finds a Chromium or Chrome
    (Debian's ``chromium`` package; checked once per process, nothing downloaded)."""
    if importlib.util.find_spec("kaleido") is None:
        return False
    from choreographer.browsers.chromium import Chromium  # kaleido's browser driver

    return Chromium.find_browser(skip_local=False) is not None


def export_height(fig: go.Figure) -> int:
    """The exported height in pixels: ``HEIGHT``, or the figure's own height where it is taller (a long heatmap)."""
    return max(HEIGHT, int(fig.layout.height or 0))


def figure_image(fig: go.Figure, fmt: str) -> bytes:
    """``fig`` as a PNG (``PNG_SCALE`` × ``WIDTH`` × ``export_height``) or an SVG, rendered by kaleido.

    Kaleido 1.x drives a headless Chrome/Chromium (Debian's ``/usr/bin/chromium`` is found on
    the PATH) through plotly.js from the plotly package, with MathJax off: nothing is fetched
    from the network. One browser is started on the first export and kept for the process;
    exports run one at a time. Measured on the 2-core machine: 0.5 s for a small figure,
    2.4–3.8 s for a 512 × 512 heatmap as PNG, 0.8 s as SVG (the first export also starts the browser).

    Raises:
        ValueError: for a format other than "png" or "svg".
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"export format {fmt!r}: use 'png' or 'svg'")
    import kaleido  # here, not at import: only an export needs it

    global _SERVER_STARTED
    opts = {"format": fmt, "width": WIDTH, "height": export_height(fig)} | ({"scale": PNG_SCALE} if fmt == "png" else {})
    with _EXPORT_LOCK:
        if not _SERVER_STARTED:
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            _SERVER_STARTED = True
        return kaleido.calc_fig_sync(fig, opts=opts)


def figure_tables(fig: go.Figure) -> list[Table]:
    """The numbers each heatmap trace of ``fig`` shows, labelled by its axes' tick labels.

    Labels are what the axes show (``ticktext`` where the axis maps positions to text,
    otherwise the trace's x / y values), with plotly's HTML escapes undone; a masked cell
    (NaN, drawn grey) stays NaN.
    """
    tables = []
    for trace in fig.data:
        if trace.type != "heatmap" or trace.z is None:
            continue
        values = np.asarray(trace.z, dtype=float)
        if values.ndim != 2:
            continue
        x_axis = fig.layout[_axis_name("xaxis", trace.xaxis)]
        y_axis = fig.layout[_axis_name("yaxis", trace.yaxis)]
        columns = _labels(trace.x, x_axis, values.shape[1])
        rows = _labels(trace.y, y_axis, values.shape[0])
        tables.append(Table(values, rows, columns))
    return tables


def _axis_name(kind: str, ref: str | None) -> str:
    """``xaxis``, ``xaxis2``, ... for a trace's axis reference ``x``, ``x2``, ..."""
    suffix = (ref or "")[1:]
    return kind + suffix


def _labels(values, axis, n: int) -> list[str]:
    positions = list(range(n)) if values is None else list(values)
    ticks = dict(zip(axis.tickvals, axis.ticktext)) if axis.tickvals is not None and axis.ticktext is not None else {}
    return [html.unescape(str(ticks.get(p, p))) for p in positions]


def tables_csv(tables: list[Table]) -> str:
    """The tables as CSV: one table as a matrix (first column the row labels, the header the
    column labels); several (a figure of many heatmaps) one after another, each headed by its number.

    Numbers are written with 9 significant digits (a float32 exactly); a NaN cell is empty.
    A label starting with ``= + - @`` gets a leading ``'`` so that a spreadsheet shows it
    as text instead of running it as a formula (the labels are the user's tokens).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for number, table in enumerate(tables):
        if len(tables) > 1:
            writer.writerow([f"# {number + 1}"])
        writer.writerow(["", *map(_cell_text, table.columns)])
        for label, row in zip(table.rows, table.values, strict=True):
            writer.writerow([_cell_text(label), *("" if math.isnan(v) else f"{v:.9g}" for v in row)])
    return out.getvalue()


def _cell_text(label: str) -> str:
    return "'" + label if label.startswith(_FORMULA_START) else label


# --- the whole capture ----------------------------------------------------------------------


def capture_download(container, cap: Capture, model_name: str, text: str, text_pair: str | None) -> None:
    """A "Download the capture (safetensors)" button in ``container`` for ``cap``, the capture of
    ``text`` (and ``text_pair``) by ``model_name`` (or a note where it is too large for a file here).

    The file is made when the button is clicked, from the shared capture cache
    (``ui.get_capture``, which runs the model again only if the capture was evicted): the
    button holds the model name and the texts, never the capture, so a session keeps none alive.
    """
    if cap.nbytes + 2**20 > CAPTURE_FILE_MAX:  # a megabyte for the manifest (tokens, text)
        container.caption(ui.tr("export_capture_too_large", mb=math.ceil(cap.nbytes / 2**20), most=CAPTURE_FILE_MB))
        return
    container.download_button(
        ui.tr("export_capture_download"), data=lambda: ui.get_capture(model_name, text, text_pair).to_bytes(), file_name=f"attnviz_{model_key(model_name).replace('/', '_')}_{cap.n_tokens}_tokens.safetensors",
        mime="application/octet-stream", key="capture_download", on_click="ignore", icon=":material/download:", help=ui.tr("export_capture_help"),
    )  # fmt: skip


def upload_key() -> str:
    """The uploader's widget key this run: a new one after each file, so Streamlit lets the file's bytes go."""
    return f"{UPLOAD_KEY}_{st.session_state.get(UPLOAD_NONCE, 0)}"


def uploaded_capture(container) -> Capture | None:
    """The uploader for a saved capture (``.safetensors``, at most ``CAPTURE_FILE_MB`` MiB) and the capture it holds.

    The capture is loaded once (``Capture.load``: safetensors, never pickle) and kept in the
    shared byte-bounded capture cache under the upload's id, its bytes counted in the budget.
    Then the uploader is replaced by a fresh one (a new widget key) and the page reruns, so
    Streamlit drops the file's bytes: a session keeps only the cache key (a class of 50 each
    loading a 40 MiB file holds nothing outside the cache's budget). A damaged or foreign file
    shows ``CaptureFileError``'s message; a capture the cache has since let go shows a note.
    """
    upload = container.file_uploader(ui.tr("export_capture_upload"), type=["safetensors"], key=upload_key(), max_upload_size=CAPTURE_FILE_MB, help=ui.tr("export_capture_upload_help"))
    if upload is not None:
        st.session_state.pop(UPLOAD_ERROR, None)
        try:
            if upload.size > CAPTURE_FILE_MAX:
                raise CaptureFileError(detail=f"{upload.size / 2**20:.0f} MiB > {CAPTURE_FILE_MB} MiB")
            key = ("upload", upload.file_id)
            ui.capture_cache().get_or_compute(key, lambda: checked(Capture.load(upload.getvalue())), upload.size)
            st.session_state[LOADED_CAPTURE] = key
        except CaptureFileError as err:
            st.session_state[UPLOAD_ERROR] = err
        st.session_state[UPLOAD_NONCE] = st.session_state.get(UPLOAD_NONCE, 0) + 1
        st.rerun()
    if UPLOAD_ERROR in st.session_state:
        with container:
            ui.show_error(st.session_state[UPLOAD_ERROR])
    key = st.session_state.get(LOADED_CAPTURE)
    if key is None:
        return None
    cap = ui.capture_cache().get(key)
    if cap is None:  # the cache made room for others' captures
        del st.session_state[LOADED_CAPTURE]
        container.warning(ui.tr("export_capture_evicted"))
        return None
    container.button(ui.tr("export_capture_close"), key="capture_close", on_click=close_capture)
    return cap


def close_capture() -> None:
    """Callback: back from a loaded capture to the typed text."""
    st.session_state.pop(LOADED_CAPTURE, None)
    st.session_state.pop(UPLOAD_ERROR, None)


def checked(cap: Capture) -> Capture:
    """``cap`` if its fields fit together (every shape from the token count, layers, heads and
    widths), as a capture the Explorer can draw must.

    Raises:
        CaptureFileError: naming the first field that does not fit.
    """
    n, layers, heads, kv_heads = cap.n_tokens, cap.q.shape[0], cap.q.shape[2], cap.k.shape[2]
    d_head, d_model = cap.q.shape[3], cap.embed.shape[-1]
    expected = {
        "token_ids": (n,), "token_type_ids": (n,), "attn_mask": (n, n), "embed": (n, d_model),
        "q": (layers, n, heads, d_head), "k": (layers, n, kv_heads, d_head), "v": (layers, n, kv_heads, d_head), "z": (layers, n, heads, d_head),
        "attn_out": (layers, n, d_model), "resid_post": (layers, n, d_model),
    }  # fmt: skip
    if cap.stored_resid_mid is not None:
        expected["stored_resid_mid"] = (layers, n, d_model)
    if cap.kv_head_of is not None:
        expected["kv_head_of"] = (heads,)
    for field, shape in expected.items():
        if tuple(getattr(cap, field).shape) != shape:
            raise CaptureFileError(detail=f"{field}: shape {tuple(getattr(cap, field).shape)}, expected {shape}")
    if n == 0 or kv_heads == 0 or heads % kv_heads or not all(isinstance(tok, str) for tok in cap.tokens):
        raise CaptureFileError(detail="tokens or heads")
    if cap.kv_head_of is not None and not bool(((cap.kv_head_of >= 0) & (cap.kv_head_of < kv_heads)).all()):
        raise CaptureFileError(detail="kv_head_of")
    if any(getattr(cap, field).dtype != torch.float32 for field in ("q", "k", "v", "z", "embed", "attn_out", "resid_post")):
        raise CaptureFileError(detail="a stored tensor is not float32")
    return cap
