"""A corpus capture: scan the corpus, check the output folder, write the missing shards (in this process or on Ray), then the manifest.

The output folder holds ``shard-NNNNNN.parquet`` files (texts ``N·shard_size`` … by text
index, rows sorted by text index, layer, head) and ``manifest.json``: the model, the
versions, the arguments, the corpus's SHA-256, ``rows_written``, ``bad_rows`` and whether
the run is ``complete``. A run started again on the same folder with the same corpus,
model and arguments skips the shards already written; a folder holding another run's
output is refused. Two runs, and the two executors, write identical files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from attnviz.analysis import head_metrics
from attnviz.corpus import reader
from attnviz.corpus.rows import Settings
from attnviz.corpus.shards import shard_path, shard_summary, write_shard
from attnviz.errors import BadRowError, ConfigError, CorpusOutputError, Text

MANIFEST = "manifest.json"
FORMAT = 1
VERSIONED = ("attnviz", "torch", "transformers", "tokenizers", "pyarrow")


def check_settings(settings: Settings) -> None:
    """Raise ``ConfigError`` naming the first argument out of range."""
    for name, value, ok, rule in (
        ("max_tokens", settings.max_tokens, settings.max_tokens is None or settings.max_tokens >= 1, "at least 1"),
        ("batch_size", settings.batch_size, settings.batch_size >= 1, "at least 1"),
        ("top_k", settings.top_k, settings.top_k >= 1, "at least 1"),
        ("threshold", settings.threshold, 0.0 <= settings.threshold <= 1.0, "between 0 and 1"),
        ("shard_size", settings.shard_size, settings.shard_size >= 1, "at least 1"),
    ):
        if not ok:
            raise ConfigError(field=name, value=f"{value} (must be {rule})")


def run_identity(model, model_name: str, scan: reader.Scan, settings: Settings) -> dict:
    """What must match for a run to continue another's output: model, versions, arguments, corpus."""
    cfg = model.config
    return {
        "format": FORMAT,
        "model": model_name,
        "model_config": {"name": cfg.name, "family": cfg.family, "n_layers": cfg.n_layers, "n_heads": cfg.n_heads, "is_decoder": cfg.is_decoder, "max_tokens": model.max_tokens},
        "versions": {name: metadata.version(name) for name in VERSIONED},
        "arguments": asdict(settings),
        "corpus": {"name": os.path.basename(scan.path), "format": scan.kind, "sha256": scan.sha256, "texts": scan.texts},
        "metrics": list(head_metrics.metric_names(cfg.is_decoder)),
    }


def capture_corpus(
    corpus: str,
    model_name: str,
    out_dir: str,
    settings: Settings = Settings(),
    strict: bool = False,
    ray_address: str | None = None,
    actors: int | None = None,
    on_bad: Callable[[reader.Record, Text], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_texts: Callable[[int], None] | None = None,
) -> dict:
    """Capture every text of ``corpus`` with ``model_name`` into ``out_dir``; returns the manifest.

    Args:
        corpus: a text, JSONL or Parquet file (``attnviz.corpus.reader``).
        model_name: a registry name (``minilm``, ``smollm2``) or a local model folder.
        out_dir: the output folder (created; a folder of the same run is continued).
        settings: ``Settings`` (max_tokens, batch_size, top_k, threshold, shard_size).
        strict: stop at the first bad row (``BadRowError``) instead of skipping it.
        ray_address: None to run here; ``"local"`` or a cluster address to run on Ray
            (``attnviz.corpus.ray_exec``; an already initialised Ray is used as it is).
        actors: Ray actors (default: one per GPU of the cluster, else 1).
        on_bad: called with each bad row and where it is (before any capture).
        on_start: called with (texts in the corpus, texts already done) once the work is planned.
        on_texts: called with the number of corpus rows each finished batch (or Ray shard) covered.

    Raises:
        ConfigError: an argument out of range. CorpusError: the corpus cannot be read
        (``BadRowError`` with ``strict``). ModelLoadError: an unknown or broken model.
        CorpusOutputError: ``out_dir`` holds another run's output.
    """
    from attnviz.loading import load_model

    check_settings(settings)

    def bad(record: reader.Record, where: Text) -> None:
        if strict:
            raise BadRowError(where=where, problem=record.problem)
        if on_bad is not None:
            on_bad(record, where)

    scan = reader.scan(corpus, settings.shard_size, bad)  # the corpus's problems first: no model loaded for them
    model = load_model(model_name, device="cpu" if ray_address else "auto")
    identity = run_identity(model, model_name, scan, settings)
    out = _prepared_folder(out_dir, identity)
    done = {s.number: shard_summary(shard_path(out, s.number)) for s in scan.shards if shard_path(out, s.number).is_file()}
    todo = [s for s in scan.shards if s.number not in done]
    if on_start is not None:
        on_start(scan.texts, sum(s.stop - s.start for s in scan.shards if s.number in done))
    _write_manifest(out, identity, scan, done, complete=False)
    if ray_address is None:
        for shard in todo:
            done[shard.number] = write_shard(model, corpus, scan.kind, shard, settings, out, on_texts)
    else:
        from attnviz.corpus import ray_exec

        for summary in ray_exec.write_shards(ray_address, model_name, corpus, scan.kind, todo, settings, out, actors):
            done[summary["shard"]] = summary
            if on_texts is not None:
                on_texts(summary["stop"] - summary["start"])
    return _write_manifest(out, identity, scan, done, complete=True)


def _prepared_folder(out_dir: str, identity: dict) -> Path:
    """Create ``out_dir``, or check that it holds this run's output; remove half-written shards."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CorpusOutputError(path=out_dir, problem=Text("corpus_out_not_folder"))
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    if manifest.is_file():
        try:
            before = json.loads(manifest.read_text(encoding="utf-8"))["run"]
        except (ValueError, KeyError, TypeError):
            raise CorpusOutputError(path=out_dir, problem=Text("corpus_out_bad_manifest")) from None
        differing = sorted(key for key in identity.keys() | before.keys() if identity.get(key) != before.get(key))
        if differing:
            raise CorpusOutputError(path=out_dir, problem=Text("corpus_out_other_run", fields=", ".join(differing)))
    elif any(out.glob("shard-*.parquet")):
        raise CorpusOutputError(path=out_dir, problem=Text("corpus_out_no_manifest"))
    for stale in out.glob(".shard-*.parquet.tmp"):
        stale.unlink()
    return out


def _write_manifest(out: Path, identity: dict, scan: reader.Scan, done: dict[int, dict], complete: bool) -> dict:
    """Write ``manifest.json`` (under a temporary name, then renamed) and return it."""
    manifest = {
        "run": identity,
        "complete": complete and len(done) == len(scan.shards),
        "shards": len(scan.shards),
        "shards_written": len(done),
        "rows_written": sum(s["rows"] for s in done.values()),
        "texts_captured": sum(s["texts"] for s in done.values()),
        "truncated_texts": sum(s["truncated"] for s in done.values()),
        "bad_rows": scan.bad_rows,
        "bad_row_examples": [{"text_index": r.index, "where": str(where), "problem": str(r.problem)} for r, where in scan.bad_examples],
    }
    temporary = out / f".{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, out / MANIFEST)
    return manifest
