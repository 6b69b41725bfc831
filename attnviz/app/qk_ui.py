"""The query/key space page's computations, kept per process (``attnviz.app.cache.process_wide``).

The probe set's q and k of every layer are computed once per model (MiniLM: 1,088 tokens,
19 MiB; SmolLM2: 991 tokens, 87 MiB, float32; 50 runs of the model, 14 s and 194 s on the
busy 2-core machine) and each head's projection
once per (model, layer, head, method); a page script would make new, empty stores on every rerun.
"""

from __future__ import annotations

from typing import Callable

from attnviz.analysis import qk_space
from attnviz.app import ui
from attnviz.app.cache import process_wide
from attnviz.loading import model_key


@process_wide(key=lambda model_name, progress=None: model_key(model_name), max_entries=2)
def probe_vectors(model_name: str, progress: Callable[[float], None] | None = None) -> qk_space.ProbeVectors:
    """``qk_space.probe_vectors`` of the built-in probe set for ``model_name``, once per model for the process
    (the 2 most recent kept); ``progress(fraction)`` is called while it runs (by the session that computes it)."""
    return qk_space.probe_vectors(ui.get_model(model_name), progress=progress)


@process_wide(key=lambda model_name, layer, head, method: (model_key(model_name), layer, head, method), max_entries=64)
def projection(model_name: str, layer: int, head: int, method: str) -> qk_space.Projection:
    """``qk_space.project`` of one head, once per (model, layer, head, method) for the process, the 64 most recent kept.

    Raises:
        ProjectionError: for UMAP without its package, or a head out of range.
    """
    return qk_space.project(probe_vectors(model_name), layer, head, method)
