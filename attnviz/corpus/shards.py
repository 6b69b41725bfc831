"""Writing one shard: its texts in batches, each batch a Parquet row group, under a temporary name renamed when complete.

This is the one writer both executors use (in-process and Ray), so their files are the
same byte for byte: the same texts in the same batches give the same row groups. A shard
file is ``shard-NNNNNN.parquet``; while it is being written it is ``.shard-NNNNNN.parquet.tmp``,
so a killed run leaves no file that looks complete, and a run started again writes that
shard anew. The shard's own summary (its texts, rows and truncated texts) is in the file's
key-value metadata under ``attnviz.shard``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from attnviz.analysis import head_metrics
from attnviz.corpus import reader
from attnviz.corpus.rows import Settings, batch_rows, schema

META_KEY = "attnviz.shard"


def shard_path(out_dir: str | Path, number: int) -> Path:
    """The finished file of shard ``number``."""
    return Path(out_dir) / f"shard-{number:06d}.parquet"


def shard_summary(path: str | Path) -> dict:
    """The summary a finished shard file carries: ``{"shard", "start", "stop", "texts", "rows", "truncated"}``."""
    metadata = pq.read_metadata(path).metadata or {}
    return json.loads(metadata[META_KEY.encode()])


def write_shard(model, corpus: str, kind: str, shard: reader.Shard, settings: Settings, out_dir: str | Path, on_texts: Callable[[int], None] | None = None) -> dict:
    """Capture every good text of ``shard`` and write its rows; returns the shard's summary.

    Bad rows are skipped (``scan`` counted and reported them). ``on_texts`` is called with the
    number of corpus rows (good and bad) each batch covered, for a progress bar.
    """
    final = shard_path(out_dir, shard.number)
    temporary = final.with_name(f".{final.name}.tmp")
    names = head_metrics.metric_names(model.config.is_decoder)
    summary = {"shard": shard.number, "start": shard.start, "stop": shard.stop, "texts": 0, "rows": 0, "truncated": 0}
    with pq.ParquetWriter(temporary, schema(names), compression="zstd") as writer:
        batch: list[reader.Record] = []
        covered = 0
        for record in reader.read_shard(corpus, kind, shard):
            covered += 1
            if record.problem is None:
                batch.append(record)
            if len(batch) == settings.batch_size:
                _write_batch(model, batch, settings, writer, summary)
                batch = []
                if on_texts is not None:
                    on_texts(covered)
                covered = 0
        if batch:
            _write_batch(model, batch, settings, writer, summary)
        if on_texts is not None and covered:
            on_texts(covered)
        writer.add_key_value_metadata({META_KEY: json.dumps(summary, sort_keys=True)})
    os.replace(temporary, final)
    return summary


def _write_batch(model, batch: list[reader.Record], settings: Settings, writer: pq.ParquetWriter, summary: dict) -> None:
    table = batch_rows(model, [r.index for r in batch], [r.text for r in batch], settings)
    writer.write_table(table)
    summary["texts"] += len(batch)
    summary["rows"] += table.num_rows
    first_rows = table.filter(pc.and_(pc.equal(table.column("layer"), 0), pc.equal(table.column("head"), 0)))  # one row per text
    summary["truncated"] += sum(1 for cut in first_rows.column("n_truncated").to_pylist() if cut)
