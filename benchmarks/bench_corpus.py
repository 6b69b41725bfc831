"""Corpus capture throughput: texts/s and tokens/s in-process and on a local Ray with 1 and 2 CPU actors.

    python -m benchmarks.bench_corpus [--texts 2000] [--models minilm,smollm2] [--smollm2-max-tokens 64] [--write]

The corpus is generated here (seeded): each text joins 1 to 4 of the probe set's English
sentences (``attnviz.analysis.probes.SENTENCES``) in a random order. Each run is timed from
the moment the work is planned (model loaded, corpus scanned: ``on_start``) to the
manifest, so a Ray run's time includes starting its actors and loading the model in each.
Every Ray output is compared with the in-process output, file by file. A breakdown of one
batch (forward pass with capture, the rows: pattern derivation, metrics and top-k, the
Parquet write) says where the time goes. ``--write`` puts the figures in
``benchmarks/corpus.json`` and the corpus section of ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import torch

from attnviz.analysis import probes
from attnviz.corpus import Settings, capture_corpus
from attnviz.corpus.rows import batch_rows
from benchmarks.timing import timed

HERE = Path(__file__).parent


def make_corpus(path: Path, n: int, seed: int = 0) -> None:
    """``n`` texts, one per line: 1 to 4 probe sentences each, seeded."""
    rng = random.Random(seed)
    path.write_text("\n".join(" ".join(rng.sample(probes.SENTENCES, rng.randint(1, 4))) for _ in range(n)) + "\n", encoding="utf-8")


def timed_run(corpus: Path, model: str, out: Path, settings: Settings, **ray) -> dict:
    """One capture; seconds from the planned start to the manifest, texts and real tokens written."""
    began = []
    manifest = capture_corpus(str(corpus), model, str(out), settings, on_start=lambda total, done: began.append(time.perf_counter()), **ray)
    seconds = time.perf_counter() - began[0]
    tokens = 0
    for path in sorted(out.glob("shard-*.parquet")):
        table = pq.read_table(path, columns=["layer", "head", "n_tokens"]).to_pydict()
        tokens += sum(n for n, l, h in zip(table["n_tokens"], table["layer"], table["head"], strict=True) if l == 0 and h == 0)
    size = sum(p.stat().st_size for p in out.glob("shard-*.parquet"))
    texts = manifest["texts_captured"]
    return {
        "seconds": round(seconds, 2),
        "texts": texts,
        "tokens": tokens,
        "rows": manifest["rows_written"],
        "texts_per_s": round(texts / seconds, 2),
        "tokens_per_s": round(tokens / seconds, 1),
        "parquet_bytes": size,
    }


def same_files(a: Path, b: Path) -> bool:
    names = lambda out: sorted(p.name for p in out.iterdir())  # noqa: E731
    return names(a) == names(b) and all((a / name).read_bytes() == (b / name).read_bytes() for name in names(a))


def breakdown(model_name: str, texts: list[str], settings: Settings) -> dict:
    """Per text and per token, of one batch of ``texts``: the forward pass with capture, the rows (patterns, metrics, top-k) and the Parquet write."""
    import attnviz

    model = attnviz.load_model(model_name, device="cpu")
    indices = list(range(len(texts)))
    batch_rows(model, indices, texts, settings)  # warm-up
    caps, forward = timed(lambda: model.run_batch_with_capture(texts, max_tokens=settings.max_tokens))
    table, both = timed(lambda: batch_rows(model, indices, texts, settings))
    sink = io.BytesIO()
    _, write = timed(lambda: pq.write_table(table, sink, compression="zstd"))
    tokens = sum(int(cap.attn_mask.any(0).sum()) for cap in caps)
    return {
        "batch": len(texts), "tokens": tokens, "forward_ms_per_text": round(forward * 1e3 / len(texts), 1),
        "rows_ms_per_text": round((both - forward) * 1e3 / len(texts), 1), "write_ms_per_text": round(write * 1e3 / len(texts), 2),
        "forward_us_per_token": round(forward * 1e6 / tokens, 1), "rows_us_per_token": round((both - forward) * 1e6 / tokens, 1),
        "write_us_per_token": round(write * 1e6 / tokens, 2), "parquet_bytes_per_token": round(sink.tell() / tokens, 1),
    }  # fmt: skip


def long_texts(n: int, seed: int = 1) -> list[str]:
    """``n`` texts of well over 512 tokens (probe sentences in a seeded order), for the breakdown at 512 tokens."""
    rng = random.Random(seed)
    return [" ".join(rng.sample(probes.SENTENCES, len(probes.SENTENCES))) * 2 for _ in range(n)]


def bench_model(model: str, corpus: Path, settings: Settings, work: Path, result: dict, save) -> None:
    """Fill ``result`` run by run (``save()`` after each, so a long benchmark keeps what it measured)."""
    import ray

    short = corpus.read_text(encoding="utf-8").splitlines()[: settings.batch_size]
    result |= {"settings": settings.__dict__, "breakdown": breakdown(model, short, settings)}
    result["breakdown_512"] = breakdown(model, long_texts(4), Settings(max_tokens=512, batch_size=4))
    print(model, "breakdown", json.dumps(result["breakdown"]), json.dumps(result["breakdown_512"]), flush=True)
    result["in_process"] = timed_run(corpus, model, work / f"{model}-here", settings)
    print(model, "in-process", json.dumps(result["in_process"]), flush=True)
    save()
    for actors in (1, 2):
        out = work / f"{model}-ray{actors}"
        ray.init(num_cpus=actors, include_dashboard=False, log_to_driver=False)  # one CPU (one torch thread) per actor
        try:
            result[f"ray_{actors}"] = timed_run(corpus, model, out, settings, ray_address="local", actors=actors)
        finally:
            ray.shutdown()
        result[f"ray_{actors}"]["identical_to_in_process"] = same_files(work / f"{model}-here", out)
        print(model, f"ray {actors} actors", json.dumps(result[f"ray_{actors}"]), flush=True)
        save()


def write(results: dict) -> None:
    """``benchmarks/corpus.json`` and the corpus section of ``benchmarks/results.md``."""
    (HERE / "corpus.json").write_text(json.dumps(results, indent=2) + "\n")
    env = results["environment"]
    lines = [
        "<!-- corpus:start -->",
        "## Corpus capture (issue 15)",
        "",
        f"`python -m benchmarks.bench_corpus` on {env['date']}: {env['machine']}, {env['cpus']} CPUs, torch {env['torch']} on one thread in-process and in each actor (one CPU each), "
        f"load average {env['load_average']} at the start and {env['load_average_end']} at the end (other work on the machine). {env['texts']:,} generated texts "
        "(1–4 probe sentences each); time from the planned start (model loaded, corpus scanned) to the manifest, so a Ray run includes starting its actors.",
        "",
        "| model | max tokens | executor | texts/s | tokens/s | seconds | rows | Parquet | same files as in-process |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for model, result in results["models"].items():
        cut = result["settings"]["max_tokens"] or "model's"
        for key, label in (("in_process", "in-process"), ("ray_1", "Ray, 1 actor"), ("ray_2", "Ray, 2 actors")):
            if key not in result:
                continue
            run = result[key]
            same = "–" if key == "in_process" else ("yes" if run["identical_to_in_process"] else "no")
            lines.append(
                f"| {model} | {cut} | {label} | {run['texts_per_s']:.1f} | {run['tokens_per_s']:,.0f} | {run['seconds']:.1f} | {run['rows']:,} | {run['parquet_bytes'] / 2**20:.1f} MiB | {same} |"
            )
    lines += ["", "Where the time goes, one batch (in microseconds per token): forward pass with capture / rows (patterns, metrics, top-k) / Parquet write; and the Parquet bytes per token:", ""]
    for model, result in results["models"].items():
        for key in ("breakdown", "breakdown_512"):
            b = result[key]
            lines.append(
                f"- {model}, {b['batch']} texts of {b['tokens'] // b['batch']} tokens on average: {b['forward_us_per_token']} / {b['rows_us_per_token']} / {b['write_us_per_token']} µs per token; {b['parquet_bytes_per_token']:,.0f} B per token"
            )
    lines.append("<!-- corpus:end -->")
    section = "\n".join(lines)
    path = HERE / "results.md"
    text = path.read_text()
    if "<!-- corpus:start -->" in text:
        head, rest = text.split("<!-- corpus:start -->", 1)
        text = head + section + rest.split("<!-- corpus:end -->", 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--models", default="minilm,smollm2")
    parser.add_argument("--batch-size", type=int, default=Settings().batch_size)
    parser.add_argument("--smollm2-max-tokens", type=int, default=64, help="SmolLM2's cut, to fit the time (the corpus's texts are up to about 80 tokens)")
    parser.add_argument("--write", action="store_true", help="write benchmarks/corpus.json and the section of benchmarks/results.md")
    args = parser.parse_args()
    torch.set_num_threads(1)  # in-process on one CPU, as each Ray actor: two threads on a shared 2-core machine spin against other work
    results = {
        "environment": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.platform(), "cpus": os.cpu_count(),
            "torch": torch.__version__, "texts": args.texts, "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "models": {},
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        corpus = work / "corpus.txt"
        make_corpus(corpus, args.texts)
        for model in args.models.split(","):
            cut = args.smollm2_max_tokens if model == "smollm2" else None
            results["models"][model] = {}

            def save() -> None:
                results["environment"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
                if args.write:
                    write(results)

            bench_model(model, corpus, Settings(max_tokens=cut, batch_size=args.batch_size, shard_size=250), work, results["models"][model], save)


if __name__ == "__main__":
    main()
