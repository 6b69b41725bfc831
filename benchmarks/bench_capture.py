"""Time attnviz's run_with_capture against Hugging Face's eager forward with output_attentions=True.

Both run on the same device, interleaved (one of ours, one of theirs, repeated), and the
median of each is reported with the ratio ours / theirs, for n = 16, 128 and 512 tokens
(decoders: 64 and 256). Both sides include tokenization. Peak memory is the process's
maximum resident set (CPU) or torch's peak allocation (CUDA). Both sides run in this one
process, under the same allocator settings (``make bench`` sets none: glibc's defaults);
each row records the allocator variables that were set, if any. The engine's own targets
are measured by ``benchmarks.bench_engine``.

For a decoder (``--model smollm2``) Hugging Face runs ``AutoModelForCausalLM`` (eager,
logits included, ``use_cache=False``: no key/value cache is built, its fastest setting),
reading the same GGUF file. The script also reports the bytes a capture holds (``--bytes``
sizes, by field) and the cold load from the converted cache: ``load_model`` in a fresh
Python process after ``import attnviz`` (median of ``--loads`` processes), and the first
capture after it (the weights are memory-mapped, so their pages are read then).

    python -m benchmarks.bench_capture [--model minilm|smollm2] [--runs 21] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import torch

import attnviz
from attnviz.loading.registry import gguf_source, model_folder
from benchmarks.timing import interleaved

ENV_SETTINGS = ("THP_MEM_ALLOC_ENABLE", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")

COLD_LOAD = """
import time, attnviz
start = time.perf_counter()
model = attnviz.load_model({name!r})
loaded = time.perf_counter()
model.run_with_capture("The capital of France is")
print(loaded - start, time.perf_counter() - loaded)
"""


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
    if len(ids) != n:  # cut inside the last word (an encoder's [CLS] and [SEP] are added again)
        text = model.tokenizer.decode(ids[:n] if model.config.is_decoder else ids[1 : n - 1])
    return text


def reference(name: str, model: attnviz.HookedTransformer):
    """Hugging Face's eager model with the same weights."""
    from transformers import AutoModel, AutoModelForCausalLM

    source = gguf_source(name)
    if source is not None:
        hf = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, attn_implementation="eager", trust_remote_code=False)
    else:
        hf = AutoModel.from_pretrained(str(model_folder(name)), attn_implementation="eager", trust_remote_code=False)
    return hf.eval().to(model.device)


def bench(name: str, runs: int, sizes: list[int]) -> list[dict]:
    model = attnviz.load_model(name)
    hf = reference(name, model)
    options = {"use_cache": False} if model.config.is_decoder else {}
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
                out = hf(**inputs, output_attentions=True, **options)
                [a.cpu() for a in out.attentions]

        medians = interleaved(runs, warmup=2, device=model.device, ours=ours, theirs=theirs)
        ours_ms, theirs_ms = medians["ours"] * 1e3, medians["theirs"] * 1e3
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
                "env": {k: os.environ.get(k) for k in ENV_SETTINGS},
            }
        )
        print(
            f"n={n:4d}  capture {ours_ms:8.2f} ms  hf eager {theirs_ms:8.2f} ms  ratio {ours_ms / theirs_ms:.3f}  capture {rows[-1]['capture_bytes'] / 2**20:.1f} MiB",
            flush=True,
        )
    peak = torch.cuda.max_memory_allocated() if model.device.type == "cuda" else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"peak memory {peak / 2**20:.0f} MiB ({'cuda allocated' if model.device.type == 'cuda' else 'process max RSS'})")
    for row in rows:
        row["peak_memory_bytes"] = peak
    return rows


def capture_bytes(name: str, sizes: list[int]) -> list[dict]:
    """The bytes a capture holds at each size, in total and by field."""
    model = attnviz.load_model(name)
    rows = []
    for n in sizes:
        cap = model.run_with_capture(text_of_length(model, n))
        by_field = {field: tensor.element_size() * tensor.nelement() for field, tensor in vars(cap).items() if isinstance(tensor, torch.Tensor) and tensor.nelement() * tensor.element_size() > 2**20}
        rows.append({"model": name, "n_tokens": cap.n_tokens, "capture_bytes": cap.nbytes, "by_field": by_field})
        fields = ", ".join(f"{k} {v / 2**20:.1f}" for k, v in sorted(by_field.items(), key=lambda kv: -kv[1]))
        print(f"n={cap.n_tokens:4d}  capture {cap.nbytes / 2**20:7.1f} MiB  ({fields} MiB)", flush=True)
    return rows


def cold_loads(name: str, count: int) -> dict:
    """Median seconds of ``load_model`` (and of the first capture) in fresh processes."""
    attnviz.load_model(name)  # converts first if needed, so only loads from the cache are timed
    times = []
    for _ in range(count):
        out = subprocess.run([sys.executable, "-c", COLD_LOAD.format(name=name)], capture_output=True, text=True, check=True)
        times.append([float(x) for x in out.stdout.split()[-2:]])
    load, first = (statistics.median(t[i] for t in times) for i in (0, 1))
    print(f"cold load {load:.2f} s (runs: {', '.join(f'{t[0]:.2f}' for t in times)}), first capture after it {first:.2f} s", flush=True)
    return {"model": name, "cold_load_s": round(load, 3), "first_capture_s": round(first, 3), "runs": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--sizes", type=int, nargs="+", help="default: 16 128 512 (encoders), 64 256 (decoders)")
    parser.add_argument("--bytes", type=int, nargs="*", default=[], help="report a capture's bytes at these sizes")
    parser.add_argument("--loads", type=int, default=0, help="time this many cold loads in fresh processes")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = args.sizes or ([64, 256] if gguf_source(args.model) is not None else [16, 128, 512])
    result = {"timing": bench(args.model, args.runs, sizes) if args.runs else []}
    if args.bytes:
        result["bytes"] = capture_bytes(args.model, args.bytes)
    if args.loads:
        result["cold_load"] = cold_loads(args.model, args.loads)
    if args.json:
        args.json.write_text(json.dumps(result if len(result) > 1 else result["timing"], indent=2))


if __name__ == "__main__":
    main()
