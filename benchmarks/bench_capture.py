"""Time attnviz's run_with_capture against Hugging Face's eager forward with output_attentions=True.

Both run on the same device, interleaved (one of ours, one of theirs, repeated), and the
median of each is reported with the ratio ours / theirs, for n = 16, 128 and 512 tokens.
Both sides include tokenization. Peak memory is the process's maximum resident set (CPU)
or torch's peak allocation (CUDA). Run with THP_MEM_ALLOC_ENABLE=1 (as `make bench` does)
to let torch back large CPU tensors with transparent huge pages, for both sides alike.

    python benchmarks/bench_capture.py [--model minilm] [--runs 21] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import attnviz  # noqa: E402
from attnviz.registry import model_folder  # noqa: E402


def text_of_length(model: attnviz.HookedTransformer, n: int) -> str:
    """A text that tokenizes to exactly n tokens (special tokens included)."""
    words = ("the animal didn't cross the street because it was too tired " * 200).split()
    lo, hi = 1, len(words)
    while lo < hi:
        mid = (lo + hi) // 2
        if len(model.tokenizer(" ".join(words[:mid]))["input_ids"]) < n:
            lo = mid + 1
        else:
            hi = mid
    text = " ".join(words[:lo])
    ids = model.tokenizer(text)["input_ids"]
    if len(ids) != n:  # cut inside the last word
        text = model.tokenizer.decode(ids[1 : n - 1])
    return text


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench(name: str, runs: int, sizes: list[int]) -> list[dict]:
    from transformers import AutoModel

    model = attnviz.load_model(name)
    hf = AutoModel.from_pretrained(str(model_folder(name)), attn_implementation="eager").eval().to(model.device)
    rows = []
    for n in sizes:
        text = text_of_length(model, n)
        enc = {k: v.to(model.device) for k, v in model.tokenizer(text, return_tensors="pt").items()}
        assert enc["input_ids"].shape[1] == n, (enc["input_ids"].shape, n)

        def ours():
            model.run_with_capture(text)

        def theirs():  # the same task: text in, every layer's attention out (tokenizing included)
            with torch.inference_mode():
                inputs = {k: v.to(model.device) for k, v in model.tokenizer(text, return_tensors="pt").items()}
                out = hf(**inputs, output_attentions=True)
                [a.cpu() for a in out.attentions]

        for fn in (ours, theirs, ours, theirs):  # warm-up
            fn()
        times = {"ours": [], "theirs": []}
        for _ in range(runs):
            for label, fn in (("ours", ours), ("theirs", theirs)):
                sync(model.device)
                start = time.perf_counter()
                fn()
                sync(model.device)
                times[label].append(time.perf_counter() - start)
        ours_ms = statistics.median(times["ours"]) * 1e3
        theirs_ms = statistics.median(times["theirs"]) * 1e3
        rows.append(
            {
                "model": name,
                "device": str(model.device),
                "n_tokens": n,
                "runs": runs,
                "capture_ms": round(ours_ms, 2),
                "hf_eager_ms": round(theirs_ms, 2),
                "ratio": round(ours_ms / theirs_ms, 3),
                "capture_bytes": model.run_with_capture(text).nbytes,
            }
        )
        print(
            f"n={n:4d}  capture {ours_ms:8.2f} ms  hf eager {theirs_ms:8.2f} ms  ratio {ours_ms / theirs_ms:.3f}  "
            f"capture {rows[-1]['capture_bytes'] / 2**20:.1f} MiB",
            flush=True,
        )
    peak = torch.cuda.max_memory_allocated() if model.device.type == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peak memory {peak / 2**20:.0f} MiB ({'cuda allocated' if model.device.type == 'cuda' else 'process max RSS'})")
    for row in rows:
        row["peak_memory_bytes"] = peak
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 128, 512])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = bench(args.model, args.runs, args.sizes)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
