"""Corpus capture on Ray: a local Ray on the loopback address, started by the test and shut down after it.

The Ray executor (``attnviz.corpus.ray_exec``) must write the same files as the in-process
run, byte for byte, and continue a folder the in-process run began.
"""

from __future__ import annotations

import os

import pytest

from attnviz.corpus import Settings, capture_corpus

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

TEXTS = [
    "The cat sat on the mat. The cat sat on the mat.",
    "Attention is all you need.",
    "",
    "A head that looks at the previous token, and one that looks at the first.",
    "Keys, queries and values.",
    "the the the the",
    "Once upon a time a small model read a corpus.",
]


@pytest.fixture
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False)
    yield
    ray.shutdown()


def test_two_ray_actors_write_the_same_files_as_the_in_process_run(tmp_path, local_ray):
    from bert_helpers import tiny_bert_pair

    hf, ours = tiny_bert_pair(11, n_layers=2, n_heads=3, max_positions=40)
    folder = tmp_path / "tiny-bert"
    hf.save_pretrained(folder)
    ours.tokenizer.save_pretrained(folder)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    model = os.path.relpath(folder)  # relative: the actors, in another working directory, must still find it
    settings = Settings(batch_size=2, top_k=4, shard_size=2)
    here, on_ray = tmp_path / "here", tmp_path / "ray"
    capture_corpus(str(corpus), model, str(here), settings)
    counted = []
    manifest = capture_corpus(str(corpus), model, str(on_ray), settings, ray_address="local", actors=2, on_texts=counted.append)
    assert manifest["complete"] and manifest["bad_rows"] == 1 and manifest["texts_captured"] == 6
    assert sorted(counted) == [1, 2, 2, 2]  # one call per shard: texts 0-1, 2-3, 4-5, 6
    files = lambda out: {p.name: p.read_bytes() for p in sorted(out.iterdir())}  # noqa: E731
    assert len(files(here)) == 5 and files(here) == files(on_ray)

    (here / "shard-000002.parquet").unlink()  # the in-process run's folder, continued on Ray
    capture_corpus(str(corpus), model, str(here), settings, ray_address="local", actors=1)
    assert files(here) == files(on_ray)
