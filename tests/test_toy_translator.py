"""The bundled translators in assets/: loaded as the app loads them, measured here (accuracy, alignment, the bottleneck curve).

Nothing is trained: the weights come from scripts/train_seq2seq.py; these tests measure what it wrote.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from attnviz.training import dates as D
from attnviz.training.bundle import TOY_RNN, TOY_SEQ2SEQ, read_toy_rnn
from attnviz.training.train import translate_batch

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def toy():
    import attnviz

    return attnviz.load_model("toy-seq2seq", device="cpu")


@pytest.fixture(scope="module")
def manifest():
    return json.loads((TOY_SEQ2SEQ / "manifest.json").read_text(encoding="utf-8"))


def test_the_bundled_folder_holds_the_contracts_four_small_files(manifest):
    assert sorted(p.name for p in TOY_SEQ2SEQ.iterdir()) == ["attnviz-seq2seq.json", "manifest.json", "model.safetensors", "tokenizer.json"]
    assert (TOY_SEQ2SEQ / "model.safetensors").stat().st_size < 8 * 2**20
    assert manifest["held_out_examples"] == D.EVAL_SIZE
    assert f"--seed {manifest['seed']}" in manifest["command"] or (manifest["seed"] == 0 and "--seed" not in manifest["command"])  # the default seed
    assert manifest["split"]["held_out_formats"] == list(D.HELD_OUT_FORMATS)
    assert manifest["script_sha256"] == hashlib.sha256((REPO / "scripts/train_seq2seq.py").read_bytes()).hexdigest()


def test_it_translates_the_issues_examples(toy):
    assert toy.config.is_encoder_decoder
    for source in ("30 November 2026", "Nov 30, 26", "the 30th of November, 2026", "11/30/2026", "二〇二六年十一月三十日", "2026年11月30日"):
        assert toy.translate(source) == "2026-11-30", source


def test_held_out_exact_match_is_at_least_99_percent_and_is_the_manifests(toy, manifest):
    """All 2,000 held-out pairs decoded in batches on the loaded network; 200 of them through toy.translate too.

    The committed weights (the script's defaults, seed 0: d_model 64, 3,000 steps) reach 99.70%;
    the same recipe with seed 1 reached 100%. (The earlier d_model 128, 1,500-step recipe gave
    99.65% with seed 1 but 98.15% with seed 0.)
    """
    examples = D.evaluation_set()
    predictions = translate_batch(toy.network, toy.tokenizer.backend_tokenizer, [e.source for e in examples], max_len=16)
    assert [toy.translate(e.source) for e in examples[:200]] == predictions[:200]
    accuracy = sum(p == e.target for p, e in zip(predictions, examples)) / len(examples)
    assert accuracy >= 0.99
    assert accuracy == pytest.approx(manifest["held_out_exact_match"], abs=1 / len(examples))
    for fmt in D.HELD_OUT_FORMATS:  # the formats training never saw, each on its own
        of_fmt = [p == e.target for p, e in zip(predictions, examples) if e.format == fmt]
        assert len(of_fmt) > 40 and sum(of_fmt) / len(of_fmt) >= 0.9, fmt


PARTS = ("year", "month", "day")


def alignment_masses(toy, examples: list[D.Example]) -> tuple[torch.Tensor, torch.Tensor]:
    """(mass, uniform) over the inputs the model translates right.

    mass ``[example, row part, column part]``: the cross-attention of the LAST decoder layer,
    averaged over its heads (none picked by hand) and over the rows predicting the row part's
    characters, summed over the source characters of the column part. Row i of the decoder
    input (<s>, then the output) predicts output character i: year rows 0-3, month 5-6, day 8-9.
    uniform ``[example, part]``: what an evenly spread row would put on the part (its share of
    the source tokens, </s> included).
    """
    masses, uniform = [], []
    for e in examples:
        cap = toy.run_with_capture(e.source)  # the model's own output, teacher-forced
        if "".join(cap.target_tokens[1:11]) != e.target:
            continue
        last = cap.cross_pattern[-1].mean(0)  # [tgt_pos, src_pos]
        masses.append(torch.tensor([[float(last[D.target_span(r)][:, e.span(c)].sum(-1).mean()) for c in PARTS] for r in PARTS]))
        uniform.append(torch.tensor([len(e.span(p)) / len(cap.tokens) for p in PARTS]))
    return torch.stack(masses), torch.stack(uniform)


def test_cross_attention_aligns_year_with_year_month_with_month_and_day_with_day(toy):
    """On 60 held-out pairs (all formats; held-out dates and formats), the output's year digits attend to the source's year, etc.

    Measured on the committed weights (last decoder layer, mean over heads; all 60 translated
    right): the rows writing the year put 0.73 of their mass on the source's year, the month
    rows 0.91 on the month, the day rows 0.87 on the day, where an evenly spread row would put
    0.29, 0.22, 0.17. We ask that
    each part's rows put at least 1.5 times the even share on their own part on average, and
    more on it than on either other part.
    """
    mass, uniform = alignment_masses(toy, D.DateGenerator(99).held_out(60))
    assert len(mass) >= 55  # translated right
    mean = mass.mean(0)  # [row part, column part]
    for i, part in enumerate(PARTS):
        assert float(mean[i, i]) > 1.5 * float(uniform[:, i].mean()), (part, mean, uniform.mean(0))
        assert all(float(mean[i, i]) > float(mean[i, j]) for j in range(3) if j != i), (part, mean)


def test_the_gru_models_accuracy_by_source_length_is_the_manifests():
    """The held-out multi-date set is rebuilt and decoded; the manifest's curve must be what we measure.

    What the committed weights show: the GRU without attention (4,000 steps) reads 94% of the
    sources under 20 characters and falls to about 40% beyond 40 (Bahdanau et al. 2015,
    Figure 2); with attention (1,000 steps) 98-99% in every bucket. The test holds that shape on
    every bucket with 100 or more examples: attention high everywhere, the plain GRU trained
    (high on the shortest) and falling with length, so the gap between them widens.
    """
    nets, tok, manifest = read_toy_rnn(TOY_RNN)
    curve = manifest["accuracy"]
    gen = D.DateGenerator(D.EVAL_SEED)
    examples = [gen.multi(n, held_out=True) for n in range(1, manifest["max_dates"] + 1) for _ in range(manifest["eval_per_count"])]
    buckets = [b for b in curve["buckets"] if curve["examples"][b] >= 100]
    assert len(buckets) >= 3
    for name, net in nets.items():
        predictions = translate_batch(net, tok, [e.source for e in examples], max_len=12 * manifest["max_dates"])
        right = [p == e.target for p, e in zip(predictions, examples)]
        assert sum(right) / len(right) == pytest.approx(curve[name]["exact_match"], abs=1 / len(examples))
    attention, plain = ([curve[name]["by_length"][b] for b in buckets] for name in ("gru_attention", "gru"))
    assert min(attention) >= 0.95, attention
    assert plain[0] >= 0.85 and plain[-1] <= plain[0] - 0.3, plain  # a trained start, then the bottleneck
    assert attention[-1] - plain[-1] > attention[0] - plain[0] + 0.3, (attention, plain)
