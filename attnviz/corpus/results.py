"""Reading a corpus output folder back: the corpus-wide metric of every head, and the texts where a head scores highest.

Only the columns asked for are read (Parquet is columnar), so a folder of millions of rows
answers in seconds; a text's tokens are read for the few texts shown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as ds

from attnviz.corpus.pipeline import MANIFEST
from attnviz.errors import CorpusOutputError, Text


@dataclass(frozen=True)
class Output:
    """An output folder of ``attnviz capture``: its manifest and its finished shard files."""

    folder: Path
    manifest: dict
    shards: tuple[Path, ...]

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.manifest["run"]["metrics"])

    @property
    def shape(self) -> tuple[int, int]:
        """(layers, heads) of the model that wrote it."""
        cfg = self.manifest["run"]["model_config"]
        return cfg["n_layers"], cfg["n_heads"]

    def dataset(self) -> ds.Dataset:
        return ds.dataset([str(p) for p in self.shards], format="parquet")


def open_output(folder: str | Path) -> Output:
    """The output in ``folder``.

    Raises:
        CorpusOutputError: when the folder does not exist or holds no (readable) ``manifest.json``.
    """
    path = Path(folder).expanduser()
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        run = manifest["run"]
        if not (isinstance(run["metrics"], list) and isinstance(run["model_config"]["n_layers"], int) and isinstance(run["model_config"]["n_heads"], int)):
            raise TypeError("not a manifest of attnviz capture")
    except (OSError, ValueError, KeyError, TypeError):
        raise CorpusOutputError(path=str(folder), problem=Text("corpus_out_not_output")) from None
    return Output(path, manifest, tuple(sorted(path.glob("shard-*.parquet"))))


def metric_means(output: Output, metric: str) -> np.ndarray:
    """``float64 [layer, head]``: the mean of ``metric`` over the texts where it is measured (NaN where none is)."""
    values = np.full(output.shape, math.nan)
    if not output.shards:
        return values
    table = output.dataset().to_table(columns=["layer", "head", metric]).group_by(["layer", "head"]).aggregate([(metric, "mean")])
    for layer, head, mean in zip(*(table.column(c).to_pylist() for c in ("layer", "head", f"{metric}_mean")), strict=True):
        if mean is not None:
            values[layer, head] = mean
    return values


def top_texts(output: Output, metric: str, layer: int, head: int, k: int = 10) -> list[dict]:
    """The ``k`` texts where head (``layer``, ``head``) scores highest on ``metric``, highest first (ties: lower text index first).

    Returns ``[{"text_index", "score", "tokens"}]``.
    """
    if not output.shards:
        return []
    data = output.dataset()
    here = (pc.field("layer") == layer) & (pc.field("head") == head)
    scores = data.to_table(columns=["text_index", metric], filter=here & pc.field(metric).is_valid())
    best = scores.sort_by([(metric, "descending"), ("text_index", "ascending")]).slice(0, k).to_pylist()
    if not best:
        return []
    indices = [row["text_index"] for row in best]
    tokens = data.to_table(columns=["text_index", "tokens"], filter=here & pc.field("text_index").isin(indices)).to_pylist()
    by_index = {row["text_index"]: row["tokens"] for row in tokens}
    return [{"text_index": row["text_index"], "score": row[metric], "tokens": by_index[row["text_index"]]} for row in best]
