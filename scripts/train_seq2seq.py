"""Train the bundled translators from scratch and write them to assets/ (toy-seq2seq and toy-rnn).

    .venv/bin/python scripts/train_seq2seq.py            # both, seed 0, 1 thread
    .venv/bin/python scripts/train_seq2seq.py --only toy-seq2seq

The task: dates written in many English and Chinese ways -> ISO 8601 (attnviz.training.dates).
toy-seq2seq is the encoder-decoder Transformer of the seq2seq contract; toy-rnn holds two GRU
encoder-decoders, without attention and with Bahdanau attention, trained on sources holding
one to several dates so the fixed-size bottleneck shows as accuracy falling with the source's
length (Bahdanau et al. 2015, Figure 2). Each manifest records the seed, the held-out exact-match
accuracy, the script's sha256, the versions and the training seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import multiprocessing
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import tokenizers
import torch

from attnviz.model.rnn_seq2seq import RnnSeq2Seq, RnnSeq2SeqConfig
from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig
from attnviz.training import bundle
from attnviz.training.char_vocab import build_tokenizer
from attnviz.training.dates import EVAL_SEED, EVAL_SIZE, FORMATS, HELD_OUT_FORMATS, HELD_OUT_MONTH_DAYS, HELD_OUT_YEARS, DateGenerator, evaluation_set
from attnviz.training.train import date_batches, seeded, train, translate_batch

log = logging.getLogger("train_seq2seq")
RNN_EVAL_PER_COUNT = 500  # held-out GRU examples per number of dates
LENGTH_BUCKETS = (0, 20, 30, 40, 50)  # source characters: [0, 20), [20, 30), ..., [50, inf)


def toy_config(d_vocab: int) -> Seq2SeqConfig:
    """The bundled Transformer: d_model 64, 2 + 2 layers, 4 heads of 16, sinusoidal positions, pre-norm."""
    return Seq2SeqConfig(
        d_vocab=d_vocab, d_model=64, n_heads=4, d_head=16, d_mlp=256, n_encoder_layers=2, n_decoder_layers=2, max_positions=64,
        positions="sinusoidal", norm="layernorm", pre_norm=True, act="relu", pad_token_id=0, decoder_start_token_id=1, eos_token_id=2,
        tie_embeddings=True, name="toy-seq2seq",
    )  # fmt: skip


def rnn_config(d_vocab: int, attention: bool, name: str, d_hidden: int) -> RnnSeq2SeqConfig:
    """The bundled GRU models: embeddings of 32, a ``d_hidden``-unit GRU each way in the encoder, a ``d_hidden``-unit decoder."""
    return RnnSeq2SeqConfig(d_vocab=d_vocab, attention=attention, d_embed=32, d_hidden=d_hidden, d_attn=d_hidden, name=name)


def provenance(args: argparse.Namespace, seconds: float, cpu_seconds: float) -> dict:
    """What a manifest says about how it was made."""
    return {
        "seed": args.seed,
        "command": " ".join(["python", "scripts/train_seq2seq.py", *sys.argv[1:]]),
        "script": "scripts/train_seq2seq.py",
        "script_sha256": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "tokenizers": tokenizers.__version__},
        "torch_threads": torch.get_num_threads(),
        "training_seconds": round(seconds, 1),
        "training_cpu_seconds": round(cpu_seconds, 1),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def split_description() -> dict:
    return {
        "held_out_formats": list(HELD_OUT_FORMATS),
        "held_out_years": list(HELD_OUT_YEARS),
        "held_out_month_days": sorted(f"{m:02d}-{d:02d}" for m, d in HELD_OUT_MONTH_DAYS),
        "formats": list(FORMATS),
    }


def timed_train(net, batches, steps: int, lr: float, label: str):
    start, cpu = time.perf_counter(), time.process_time()
    every = max(1, steps // 20)
    result = train(net, batches, steps, lr=lr, progress=lambda s, loss, acc: s % every == 0 and log.info("%s step %d/%d loss %.4f token accuracy %.4f", label, s, steps, loss, acc))
    return result, time.perf_counter() - start, time.process_time() - cpu


def train_toy_seq2seq(args: argparse.Namespace, tok: tokenizers.Tokenizer) -> None:
    with seeded(args.seed):
        net = EncoderDecoder(toy_config(tok.get_vocab_size()))
    _, seconds, cpu = timed_train(net, date_batches(tok, args.seed, args.batch_size), args.steps, args.lr, "toy-seq2seq")
    examples = evaluation_set()
    predictions = translate_batch(net, tok, [e.source for e in examples], max_len=16)
    right, total = Counter(), Counter()
    for p, e in zip(predictions, examples):
        total[e.format] += 1
        right[e.format] += p == e.target
    accuracy = sum(right.values()) / len(examples)
    log.info("toy-seq2seq: held-out exact match %.4f (%d of %d) after %.0f s", accuracy, sum(right.values()), len(examples), seconds)
    manifest = {
        "task": "dates written in English or Chinese -> ISO 8601 (YYYY-MM-DD), character level",
        "model": "toy-seq2seq: encoder-decoder Transformer (attnviz.model.seq2seq.EncoderDecoder)",
        "held_out_exact_match": accuracy,
        "held_out_examples": len(examples),
        "held_out_set": f"attnviz.training.dates.evaluation_set(): DateGenerator({EVAL_SEED}).held_out({EVAL_SIZE})",
        "held_out_exact_match_by_format": {f: round(right[f] / total[f], 4) for f in sorted(total)},
        "steps": args.steps, "batch_size": args.batch_size, "learning_rate": args.lr,
        "split": split_description(),
        **provenance(args, seconds, cpu),
    }  # fmt: skip
    bundle.write_toy_seq2seq(args.out / "toy-seq2seq", net, tok, manifest)


def length_bucket(n_chars: int) -> str:
    """The bucket label of a source length: "0-19", "20-29", ..., "50+"."""
    lower = max(b for b in LENGTH_BUCKETS if b <= n_chars)
    upper = [b for b in LENGTH_BUCKETS if b > lower]
    return f"{lower}-{upper[0] - 1}" if upper else f"{lower}+"


def rnn_curve(nets: dict[str, RnnSeq2Seq], tok: tokenizers.Tokenizer, max_dates: int) -> dict:
    """Exact match of each GRU model on held-out sources of 1..max_dates dates, by source length bucket."""
    gen = DateGenerator(EVAL_SEED)
    examples = [gen.multi(n, held_out=True) for n in range(1, max_dates + 1) for _ in range(RNN_EVAL_PER_COUNT)]
    buckets = [length_bucket(len(e.source)) for e in examples]
    curve = {"buckets": sorted(set(buckets), key=lambda b: int(b.split("-")[0].rstrip("+"))), "examples": dict(Counter(buckets))}
    for name, net in nets.items():
        predictions = translate_batch(net, tok, [e.source for e in examples], max_len=12 * max_dates)
        right = Counter(b for b, p, e in zip(buckets, predictions, examples) if p == e.target)
        curve[name] = {"exact_match": sum(right.values()) / len(examples), "by_length": {b: round(right[b] / curve["examples"][b], 4) for b in curve["buckets"]}}
        log.info("%s: held-out exact match %.4f; by source length %s", name, curve[name]["exact_match"], curve[name]["by_length"])
    return curve


def new_rnn(args: argparse.Namespace, tok: tokenizers.Tokenizer, name: str) -> RnnSeq2Seq:
    """GRU model ``name`` (gru or gru_attention), initialised from the seed."""
    with seeded(args.seed):
        return RnnSeq2Seq(rnn_config(tok.get_vocab_size(), attention=name == "gru_attention", name=name, d_hidden=args.rnn_hidden))


def train_rnn(args: argparse.Namespace, name: str) -> tuple[dict[str, torch.Tensor], float, float]:
    """Train GRU model ``name`` from the seed: (its state dict, wall seconds, CPU seconds). Runs in a process of its own with --rnn-jobs 2."""
    torch.set_num_threads(args.threads)
    tok = build_tokenizer()
    net = new_rnn(args, tok, name)
    steps = rnn_steps(args)[name]
    _, seconds, cpu = timed_train(net, date_batches(tok, args.seed, args.rnn_batch_size, args.max_dates), steps, args.rnn_lr, name)
    return net.state_dict(), seconds, cpu


def rnn_steps(args: argparse.Namespace) -> dict[str, int]:
    """Each GRU model's training steps: the one with attention learns the task in far fewer (and each of its steps costs more)."""
    return {"gru": args.rnn_steps, "gru_attention": args.rnn_attention_steps}


def train_toy_rnn(args: argparse.Namespace, tok: tokenizers.Tokenizer) -> None:
    if args.rnn_jobs > 1:  # both models at once, a process each: the same numbers as one after the other
        with multiprocessing.get_context("fork").Pool(2) as pool:
            trained = pool.starmap(train_rnn, [(args, name) for name in bundle.RNN_MODELS])
    else:
        trained = [train_rnn(args, name) for name in bundle.RNN_MODELS]
    nets, seconds, cpu = {}, {}, {}
    for name, (state, seconds[name], cpu[name]) in zip(bundle.RNN_MODELS, trained, strict=True):
        nets[name] = new_rnn(args, tok, name)
        nets[name].load_state_dict(state)
        nets[name].eval()
    manifest = {
        "task": f"1 to {args.max_dates} dates in one source, each written in English or Chinese, joined by '; ' -> their ISO dates joined by spaces",
        "models": {"gru": "GRU encoder-decoder, the decoder reads only the encoder's last states (Cho et al. 2014)",
                   "gru_attention": "the same with Bahdanau additive attention (Bahdanau et al. 2015, Eq. 5-6)"},
        "held_out_set": f"DateGenerator({EVAL_SEED}).multi(n, held_out=True), {RNN_EVAL_PER_COUNT} per n = 1..{args.max_dates}",
        "max_dates": args.max_dates, "eval_per_count": RNN_EVAL_PER_COUNT,
        "accuracy": rnn_curve(nets, tok, args.max_dates),
        "steps": rnn_steps(args), "batch_size": args.rnn_batch_size, "learning_rate": args.rnn_lr,
        "split": split_description(),
        **provenance(args, sum(seconds.values()), sum(cpu.values())),
        "training_seconds_by_model": {name: round(s, 1) for name, s in seconds.items()},
        "rnn_jobs": args.rnn_jobs,  # 2: the two models trained at once, a process each
    }  # fmt: skip
    bundle.write_toy_rnn(args.out / "toy-rnn", nets, tok, manifest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["toy-seq2seq", "toy-rnn"], help="train one of the two (default: both)")
    parser.add_argument("--out", type=Path, default=bundle.ASSETS, help="the folder receiving toy-seq2seq/ and toy-rnn/ (default: assets/)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: on a shared 2-core machine two threads ran 13x slower per step)")
    parser.add_argument("--steps", type=int, default=3000, help="Transformer training steps")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--rnn-steps", type=int, default=4000, help="training steps of the GRU model without attention")
    parser.add_argument("--rnn-attention-steps", type=int, default=1000, help="training steps of the GRU model with attention")
    parser.add_argument("--rnn-batch-size", type=int, default=64)
    parser.add_argument("--rnn-lr", type=float, default=3e-3)
    parser.add_argument("--rnn-hidden", type=int, default=128, help="GRU units (each direction in the encoder)")
    parser.add_argument("--rnn-jobs", type=int, default=2, choices=[1, 2], help="train the two GRU models one after the other (1) or at once, a process each (2)")
    parser.add_argument("--max-dates", type=int, default=3, help="the GRU task: 1 to this many dates in one source")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(args.threads)
    tok = build_tokenizer()
    if args.only in (None, "toy-seq2seq"):
        train_toy_seq2seq(args, tok)
    if args.only in (None, "toy-rnn"):
        train_toy_rnn(args, tok)


if __name__ == "__main__":
    main()
