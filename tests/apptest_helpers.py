"""Helpers for driving the app with Streamlit's AppTest."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

TIMEOUT = 120


class ServedPagesManager(PagesManager):
    """AppTest's pages manager, with Streamlit's legacy ``pages/``-folder mode off, as the server has it.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run, and a folder named
    ``pages/`` then turns that mode on: a rerun on a page would run the page's script alone,
    without ``app.py``'s frame. ``python -m attnviz.app.serve`` turns it off for the server's
    life; this does the same for every AppTest run.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


app_test.PagesManager = ServedPagesManager


def new_app(**query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    for key, value in query.items():
        at.query_params[key] = value
    return at


def figures(at: AppTest) -> list[dict]:
    """The plotly figures on screen, as the JSON specs the browser would receive."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def shown_text(at: AppTest) -> str:
    """All text of the main elements (titles, markdown, captions, messages) joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in at.get(kind)]
    return "\n".join(parts)


def array(value) -> np.ndarray:
    """A plotly data array as numpy: plain lists, or plotly's typed-array encoding {dtype, bdata, shape}."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        return out.reshape([int(s) for s in str(shape).split(",")]) if shape else out
    return np.array(value, dtype=float)
