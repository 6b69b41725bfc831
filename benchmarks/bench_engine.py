"""The engine's targets (issue 11), measured: capture against Hugging Face's fastest plain forward.

MiniLM at 128 and 512 tokens:
  * ``run_with_capture`` + one head's pattern against HF's SDPA forward (no attentions): target ≤ 1.1×;
  * ``run_with_capture`` + every pattern against HF eager with ``output_attentions=True``: target ≤ 1.0×.
SmolLM2 at 2,048 and 8,192 tokens:
  * ``run_with_capture`` against HF's SDPA forward (``use_cache=False``, logits of every
    position, as HF computes them): target ≤ 1.2×;
  * the capture's bytes (target ≤ 2.5 GiB at 8,192) and the process's peak resident memory;
  * one head's pooled overview after the capture (target ≤ 1 s).

MiniLM's both sides start from the text (tokenizing included), SmolLM2's from token ids; both run
interleaved in this one process (one of ours, one of theirs, repeated) under glibc's
default allocator settings, and the medians are compared. ``--runs`` per side.

    python -m benchmarks.bench_engine [--runs 5] [--smollm2-runs 3] [--sizes-smollm2 2048,8192] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import torch

import attnviz
from attnviz.analysis import overview
from attnviz.loading.registry import gguf_source, model_folder
from attnviz.plots import maps
from benchmarks.timing import interleaved, timed

HERE = Path(__file__).resolve().parent
MIB = 1 << 20


def token_ids(model: attnviz.HookedTransformer, n: int) -> torch.Tensor:
    """n token ids of plain English (an encoder's [CLS] … [SEP] included), int64 ``[n]``."""
    text = "The animal didn't cross the street because it was too tired, and the river kept running past the old mill. " * (n // 8 + 1)
    ids = model.tokenizer(text, truncation=True, max_length=n)["input_ids"]
    assert len(ids) == n, f"the text gave {len(ids)} tokens, not {n}"
    return torch.tensor(ids)


def hf_model(name: str, attn: str):
    from transformers import AutoModel, AutoModelForCausalLM

    source = gguf_source(name)
    if source is not None:
        return AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name, attn_implementation=attn, trust_remote_code=False).eval()
    return AutoModel.from_pretrained(str(model_folder(name)), attn_implementation=attn, trust_remote_code=False).eval()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@torch.inference_mode()
def minilm(runs: int, sizes: list[int]) -> list[dict]:
    model = attnviz.load_model("minilm")
    sdpa, eager = hf_model("minilm", "sdpa"), hf_model("minilm", "eager")
    rows = []
    for n in sizes:
        ids = token_ids(model, n)
        text = model.tokenizer.decode(ids[1:-1])
        encode = lambda: model.tokenizer(text, return_tensors="pt")  # noqa: E731 (both sides start from the text)
        medians = interleaved(
            runs,
            capture_one_head=lambda: model.run_with_capture(text).pattern[3, 5],
            hf_sdpa=lambda: sdpa(**encode()),
            capture_every_pattern=lambda: model.run_with_capture(text).pattern.full(),
            hf_eager_attentions=lambda: eager(**encode(), output_attentions=True),
        )
        cap = model.run_with_capture(text)
        assert cap.n_tokens == n, cap.n_tokens
        rows.append(
            {"model": "minilm", "n_tokens": n, **{f"{k}_ms": round(v * 1e3, 2) for k, v in medians.items()},
             "ratio_one_head_vs_sdpa": round(medians["capture_one_head"] / medians["hf_sdpa"], 3),
             "ratio_every_pattern_vs_eager": round(medians["capture_every_pattern"] / medians["hf_eager_attentions"], 3),
             "capture_bytes": cap.nbytes}
        )  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    return rows


@torch.inference_mode()
def smollm2(runs: int, sizes: list[int]) -> list[dict]:
    model = attnviz.load_model("smollm2")
    sdpa = hf_model("smollm2", "sdpa")
    rows = []
    for n in sizes:
        ids = token_ids(model, n)
        medians = interleaved(
            runs,
            capture=lambda: model.run_tokens_with_capture(ids),
            hf_sdpa=lambda: sdpa(input_ids=ids[None], use_cache=False),
        )
        cap = model.run_tokens_with_capture(ids)
        block = maps.overview_block(n)
        _, overview_s = timed(lambda: overview.pooled_map(cap, 20, slice(7, 8), block))
        rows.append(
            {"model": "smollm2", "n_tokens": n, "capture_ms": round(medians["capture"] * 1e3, 1), "hf_sdpa_ms": round(medians["hf_sdpa"] * 1e3, 1),
             "ratio_capture_vs_sdpa": round(medians["capture"] / medians["hf_sdpa"], 3), "capture_bytes": cap.nbytes,
             "capture_gib": round(cap.nbytes / (1 << 30), 3), "one_head_overview_s": round(overview_s, 3), "peak_rss_mib_so_far": round(peak_rss_mib())}
        )  # fmt: skip
        del cap
        print(json.dumps(rows[-1]), flush=True)
    return rows


def write(results: dict) -> None:
    """``benchmarks/engine.json`` and the engine section of ``benchmarks/results.md``."""
    (HERE / "engine.json").write_text(json.dumps(results, indent=2) + "\n")
    env = results["environment"]
    lines = [
        "<!-- engine:start -->",
        "## Engine targets (issue 11)",
        "",
        f"`python -m benchmarks.bench_engine` on {env['date']}: {env['machine']}, {env['cpus']} CPUs ({env['threads']} torch threads), "
        f"torch {env['torch']}, glibc's default allocator settings; medians of {env['runs']} interleaved runs (SmolLM2: {env['smollm2_runs']}), MiniLM from text, SmolLM2 from token ids.",
        "",
        "| model | tokens | ours | Hugging Face | ratio | target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in results["minilm"]:
        lines.append(f"| MiniLM | {row['n_tokens']} | capture + one head {row['capture_one_head_ms']:.1f} ms | SDPA forward {row['hf_sdpa_ms']:.1f} ms | {row['ratio_one_head_vs_sdpa']:.2f} | ≤ 1.1 |")
        lines.append(
            f"| MiniLM | {row['n_tokens']} | capture + every pattern {row['capture_every_pattern_ms']:.1f} ms | eager + attentions {row['hf_eager_attentions_ms']:.1f} ms | {row['ratio_every_pattern_vs_eager']:.2f} | ≤ 1.0 |"
        )
    for row in results["smollm2"]:
        lines.append(f"| SmolLM2 | {row['n_tokens']:,} | capture {row['capture_ms'] / 1e3:.2f} s | SDPA forward {row['hf_sdpa_ms'] / 1e3:.2f} s | {row['ratio_capture_vs_sdpa']:.2f} | ≤ 1.2 |")
    lines += ["", "| model | tokens | capture bytes | one head's overview after the capture | process peak RSS so far |", "|---|---:|---:|---:|---:|"]
    for row in results["minilm"]:
        lines.append(f"| MiniLM | {row['n_tokens']} | {row['capture_bytes'] / MIB:.1f} MiB | | |")
    for row in results["smollm2"]:
        lines.append(
            f"| SmolLM2 | {row['n_tokens']:,} | {row['capture_bytes'] / MIB:,.0f} MiB ({row['capture_gib']:.2f} GiB; target ≤ 2.5 GiB at 8,192) | {row['one_head_overview_s']:.2f} s (target ≤ 1 s) | {row['peak_rss_mib_so_far']:,} MiB |"
        )
    lines += [
        "",
        "Hugging Face eager with `output_attentions=True` would hold 30 · 9 · 8,192² · 4 B = 72 GiB of patterns for SmolLM2 at 8,192 tokens; the capture derives each head's pattern when it is read.",
        "<!-- engine:end -->",
    ]
    section = "\n".join(lines)
    path = HERE / "results.md"
    text = path.read_text() if path.exists() else "# attnviz benchmark results\n"
    if "<!-- engine:start -->" in text:
        head, rest = text.split("<!-- engine:start -->", 1)
        text = head + section + rest.split("<!-- engine:end -->", 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--smollm2-runs", type=int, default=3)
    parser.add_argument("--sizes-minilm", default="128,512")
    parser.add_argument("--sizes-smollm2", default="2048,8192", help="empty: keep the SmolLM2 rows of the last benchmarks/engine.json")
    parser.add_argument("--write", action="store_true", help="write benchmarks/engine.json and the section of benchmarks/results.md")
    args = parser.parse_args()
    sizes = lambda spec: [int(s) for s in spec.split(",") if s]  # noqa: E731
    results = {
        "environment": {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.platform(), "cpus": os.cpu_count(),
            "threads": torch.get_num_threads(), "torch": torch.__version__, "runs": args.runs, "smollm2_runs": args.smollm2_runs,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "minilm": minilm(args.runs, sizes(args.sizes_minilm)),
        "smollm2": smollm2(args.smollm2_runs, sizes(args.sizes_smollm2)) if args.sizes_smollm2 else json.loads((HERE / "engine.json").read_text())["smollm2"],
    }  # fmt: skip
    if args.write:
        write(results)


if __name__ == "__main__":
    main()
