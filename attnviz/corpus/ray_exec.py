"""The Ray executor: the same shards, written by a pool of Ray Data actors that each load the model once.

The dataset is the list of shards still to write (``ray.data.from_items``: a few numbers
each, never the texts), so every actor reads its shard's texts itself and writes it with
``shards.write_shard``, the writer the in-process run uses: the same texts in the same
batches, hence the same files. ``map_batches`` runs with ``batch_size=1`` (one shard per
call) on an ``ActorPoolStrategy`` of ``actors`` actors, each with ``num_gpus=1`` where the
cluster has GPUs, otherwise an equal share of the CPUs (its torch threads set to that
share). Paths (the corpus, the output folder, a local model folder) are made absolute, as
an actor's working directory is not the driver's; on a cluster of several machines they
must be on a file system every machine sees at the same path.

Ray is an optional extra: ``pip install -e .[ray]``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from attnviz.corpus import reader
from attnviz.corpus.rows import Settings
from attnviz.errors import ConfigError


class ShardWriter:
    """A Ray Data actor: loads the model once, then writes each shard it is given and returns its summary."""

    def __init__(self, model_name: str, corpus: str, kind: str, settings: dict, out_dir: str, threads: int):
        import torch

        from attnviz.loading import load_model

        if not torch.cuda.is_available():
            torch.set_num_threads(threads)
        self.model = load_model(model_name, device="auto")
        self.corpus, self.kind, self.settings, self.out_dir = corpus, kind, Settings(**settings), out_dir

    def __call__(self, batch: dict) -> dict:
        from attnviz.corpus.shards import write_shard

        summaries = [
            write_shard(self.model, self.corpus, self.kind, reader.Shard(int(n), int(a), int(b), int(o)), self.settings, self.out_dir)
            for n, a, b, o in zip(batch["number"], batch["start"], batch["stop"], batch["offset"], strict=True)
        ]
        return {key: [s[key] for s in summaries] for key in ("shard", "start", "stop", "texts", "rows", "truncated")}


def connect(address: str) -> bool:
    """Connect to Ray unless it is already initialised; ``"local"`` starts one here. True when this call started or joined it (so the caller shuts it down).

    Raises:
        ConfigError: when Ray is not installed (``pip install -e .[ray]``).
    """
    try:
        import ray
    except ImportError:
        raise ConfigError(field="--ray", value="Ray is not installed: pip install -e .[ray] (or pip install 'ray[data]==2.60.0')") from None
    if ray.is_initialized():
        return False
    if address == "local":
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=address, log_to_driver=False)
    return True


def write_shards(address: str, model_name: str, corpus: str, kind: str, shards: list[reader.Shard], settings: Settings, out_dir: Path, actors: int | None) -> Iterator[dict]:
    """Write ``shards`` on Ray; yields each shard's summary as it finishes (in any order)."""
    import ray

    if not shards:
        return
    started = connect(address)
    try:
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        size = actors or max(1, gpus)
        if size < 1:
            raise ConfigError(field="--actors", value=f"{size} (must be at least 1)")
        cpus = max(1, int(resources.get("CPU", 1)) // size)
        items = [{"number": s.number, "start": s.start, "stop": s.stop, "offset": s.offset} for s in shards]
        done = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            ShardWriter,
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=size),
            fn_constructor_kwargs=dict(model_name=os.path.abspath(model_name) if os.path.isdir(model_name) else model_name, corpus=os.path.abspath(corpus), kind=kind, settings=asdict(settings), out_dir=str(Path(out_dir).resolve()), threads=cpus),
            num_gpus=1 if gpus else 0,
            num_cpus=1 if gpus else cpus,
        )
        for row in done.iter_rows():
            yield {key: int(value) for key, value in row.items()}
    finally:
        if started:
            ray.shutdown()
