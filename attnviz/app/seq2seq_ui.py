"""The encoder–decoder pages' Streamlit helpers: the translator and its captures, kept per process,
the source box with its examples, the step buttons, the GRU models of the bottleneck page.

Models load once per process (``ui.get_model``'s store); a capture of a toy translator is a few
kilobytes, so captures are kept in a small process-wide LRU (``CAPTURES_KEPT`` of them), not in
the byte-bounded cache sized for the bundled Transformers' captures. Callbacks are functions
of this module reading session state only (as ``ui``'s).
"""

from __future__ import annotations

import datetime
import functools
import os
from dataclasses import dataclass

import streamlit as st
import torch

from attnviz.analysis.metrics import entropy_bits, max_entropy_bits
from attnviz.app import present, training_job, ui
from attnviz.app.cache import process_wide
from attnviz.errors import AttnvizError, ModelLoadError, NeedsEncoderDecoderError, SourceCharactersError, Text
from attnviz.lessons import scoring
from attnviz.lessons.safe_text import escape_markdown
from attnviz.loading import model_key
from attnviz.model.hooks import recording
from attnviz.model.seq2seq import EncoderDecoder
from attnviz.model.seq2seq_config import Seq2SeqConfig
from attnviz.training import bundle, char_vocab, dates, train

MODEL = "toy-seq2seq"
CAPTURES_KEPT = 64
EXAMPLES = [
    "30 November 2026",
    "Nov 30, 26",
    "the 30th of November, 2026",
    "11/30/2026",
    "Monday, November 30, 2026",
    "二〇二六年十一月三十日",
    "2026年11月30日",
]
STEP_KEY = "s2s_step"
OUTPUT_MAX = 12  # greedy steps while training: an ISO date is 10 characters, then </s>


def translator_choice() -> str:
    """The translator the page shows: the bundled ``toy-seq2seq``, or a local encoder–decoder folder
    (BART, Marian, T5, or one ``scripts/train_seq2seq.py`` wrote) typed in the box
    ``ui.local_model_folder`` draws where the operator allows local models."""
    return ui.local_model_folder(encoder_decoder=True) or MODEL


def translator(name: str):
    """The loaded encoder–decoder ``name`` (shared read-only); the run stops after ``show_error`` if it cannot load.

    A local folder's model is named in a caption with its sizes (the page's introduction speaks of the bundled translator).
    """
    try:
        model = ui._loaded(name)
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()
    if not getattr(model.config, "is_encoder_decoder", False):
        ui.show_error(NeedsEncoderDecoderError(name=name))  # the name escaped: a folder is typed text
        st.stop()
    if name != MODEL:
        cfg = model.config
        st.caption(ui.tr("s2s_local_shown", folder=escape_markdown(name), n_encoder=cfg.n_encoder_layers, n_decoder=cfg.n_decoder_layers, n_heads=cfg.n_heads, d_vocab=cfg.d_vocab))
    return model


@process_wide(key=lambda name, source: (model_key(name), source), max_entries=CAPTURES_KEPT)
def seq2seq_capture(name: str, source: str):
    """``run_with_capture(source)`` of the translator ``name`` (its own greedy output, teacher-forced), once per
    (model, source) for the process, the ``CAPTURES_KEPT`` most recent kept.

    Raises:
        AttnvizError: for an empty source, one too long (``SourceTooLongError``), or characters
            outside the vocabulary (``SourceCharactersError``).
    """
    model = ui.get_model(name)
    check_characters(model, source)
    return model.run_with_capture(source)


def check_characters(model, source: str) -> None:
    """Refuse a source holding characters the model's tokenizer reads as its unknown token.

    Raises:
        SourceCharactersError: naming those characters, in the order they first appear.
    """
    unknown = model.tokenizer.unk_token_id
    if unknown is None:
        return
    bad = [c for c in dict.fromkeys(source) if unknown in model.tokenizer(c, add_special_tokens=False)["input_ids"]]
    if bad:
        raise SourceCharactersError(chars=", ".join(f"“{c}”" for c in bad))


def source_capture(name: str, source: str):
    """The capture of ``source``; on a bad source (empty, too long, unknown characters) its message
    in the user's language and the run stops (never a traceback)."""
    if not source.strip():
        st.info(ui.tr("s2s_empty_source"))
        st.stop()
    try:
        return seq2seq_capture(name, source)
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()


def use_example(key: str) -> None:
    """``on_change`` of an example picker: the picked example (``{key}_example``) becomes the text of box ``key``."""
    example = st.session_state.get(f"{key}_example")
    if example:
        st.session_state[key] = st.session_state[ui.KEPT][key] = example


def source_box(key: str, default: str, examples: list[str], label: str, columns: tuple | None = None) -> str:
    """A text box (``key``, kept across pages) with an example picker beside it (in ``columns``, default two new ones); returns the text."""
    col_text, col_example = columns or st.columns([3, 2])
    with col_example:
        st.selectbox(ui.tr("examples"), examples, index=None, placeholder=ui.tr("example_none"), key=f"{key}_example", on_change=use_example, args=(key,))
    with col_text:
        return ui.kept_widget(st.text_input, key, default, label)


def move_step(delta: int, upper: int) -> None:
    """``on_click`` of the step buttons: the output step (``s2s_step``) moves by ``delta`` within 0 … upper − 1."""
    value = int(st.session_state.get(STEP_KEY, st.session_state[ui.KEPT].get(STEP_KEY, 0))) + delta
    st.session_state[STEP_KEY] = st.session_state[ui.KEPT][STEP_KEY] = min(max(value, 0), upper - 1)


def step_picker(n_steps: int, labels: list[str], of: tuple) -> int:
    """The output step: ◀ and ▶ buttons (shortcuts ← and → in present mode) beside a slider over the
    ``n_steps`` outputs; a new source (``of`` changes) starts again at step 0, the output written token by token."""
    if st.session_state.get("s2s_step_of") != of:
        st.session_state["s2s_step_of"] = of
        st.session_state[STEP_KEY] = st.session_state[ui.KEPT][STEP_KEY] = 0
    col_prev, col_slider, col_next = st.columns([1, 6, 1], vertical_alignment="bottom")
    keys = {"shortcut": "Left"} if present.is_on() else {}
    col_prev.button("◀", key="s2s_prev", on_click=move_step, args=(-1, n_steps), help=ui.tr("s2s_prev"), width="stretch", **keys)
    keys = {"shortcut": "Right"} if present.is_on() else {}
    col_next.button("▶", key="s2s_next", on_click=move_step, args=(1, n_steps), help=ui.tr("s2s_next"), width="stretch", **keys)
    with col_slider:
        if n_steps == 1:
            st.session_state[STEP_KEY] = st.session_state[ui.KEPT][STEP_KEY] = 0
            return 0
        return ui.kept_widget(st.slider, STEP_KEY, 0, ui.tr("s2s_step_label"), min_value=0, max_value=n_steps - 1)


# --- what the translation page draws from a capture -------------------------------------


@dataclass(frozen=True)
class TranslationView:
    """The token rows of a capture, as the page labels them.

    Attributes:
        source_tokens: the encoder's tokens ``[src_pos]`` (the source's, then the end token).
        inputs: the decoder's input ``[tgt_pos]`` (the start token, then the output: shifted right).
        outputs: what each decoder position writes ``[tgt_pos]`` (the output, then the end token):
            the labels of teacher forcing.
        translation: the greedy output as text.
    """

    source_tokens: list[str]
    inputs: list[str]
    outputs: list[str]
    translation: str

    def written(self, step: int) -> str:
        """The output written before ``step``."""
        return "".join(self.outputs[:step])


def translation_view(cap) -> TranslationView:
    """The rows of ``cap`` (``run_with_capture`` of the model's own greedy output, teacher-forced)."""
    return TranslationView(list(cap.tokens), list(cap.target_tokens), list(cap.output_tokens), cap.target)


def head_labels(n_heads: int) -> dict:
    """A head picker's options: "mean" (the mean of the heads), then each head."""
    return {"mean": ui.tr("s2s_head_mean"), **{h: f"{ui.tr('head')} {h}" for h in range(n_heads)}}


def _head(pattern: torch.Tensor, head) -> torch.Tensor:
    """``pattern [head, query_pos, key_pos]``'s head ``head``, or the mean of its heads for "mean"."""
    return pattern.mean(0) if head == "mean" else pattern[int(head)]


def cross_weights(cap, layer: int, head) -> torch.Tensor:
    """Cross-attention of decoder layer ``layer``, one head or their mean: float ``[tgt_pos, src_pos]``."""
    return _head(cap.cross_pattern[layer], head)


def encoder_weights(cap, layer: int, head) -> torch.Tensor:
    """Encoder self-attention of ``layer``: float ``[src_pos, src_pos]``."""
    return _head(cap.pattern[layer], head)


def decoder_weights(cap, layer: int, head) -> torch.Tensor:
    """Decoder masked self-attention of ``layer``: float ``[tgt_pos, tgt_pos]``."""
    return _head(cap.decoder_pattern[layer], head)


def step_rows(cap, step: int) -> torch.Tensor:
    """Output step ``step``'s cross-attention in every layer and head: float ``[layer, head, src_pos]``."""
    return cap.cross_pattern[:, :, step]




# --- Train it yourself ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingPlan:
    """The in-app training: a smaller Transformer and fewer steps than the bundled translator's.

    Measured with one torch thread, through ``training_job`` as the page runs it, on the idle
    2-core machine: 2,000 steps took 34.0 s of wall time, held-out exact match 99 % at the end
    (1,500 steps: 26.5 s, 97 %; 800 steps: 14.5 s, 82 %). Earlier, at load average 10, 800 steps
    took 87 s of wall time; the time limit stops a run that the server's load slows beyond it.
    The example's cross-attention entropy falls from 4.03 bits (uniform: 4.09) to about 1.2, each
    output's largest weight on its source field (year, month name, day).

    Attributes:
        example_source, example_target: the fixed example whose cross-attention is snapshotted
            (a held-out date: training never sees it).
    """

    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 1
    d_mlp: int = 256
    steps: int = 2000
    seconds_limit: float = 55.0
    batch: int = 32
    lr: float = 3e-3
    warmup: int = 50
    snapshot_every: int = 50
    eval_every: int = 100
    n_eval: int = 100
    seed: int = 0
    example_source: str = "30 November 2026"
    example_target: str = "2026-11-30"

    def describe(self) -> dict:
        """The numbers ``s2s_train_config`` shows."""
        return {
            "d_model": self.d_model, "heads": self.n_heads, "layers": self.n_layers, "steps": self.steps,
            "batch": self.batch, "every": self.snapshot_every, "n_eval": self.n_eval, "seed": self.seed, "limit": f"{self.seconds_limit:g}",
        }  # fmt: skip

    @property
    def example_tokens(self) -> list[str]:
        """The example's source tokens: one per character, then the end token (the toy's convention)."""
        return [*self.example_source, char_vocab.EOS]

    @property
    def example_outputs(self) -> list[str]:
        """The example's labels: the target's characters, then the end token."""
        return [*self.example_target, char_vocab.EOS]

    def config(self) -> Seq2SeqConfig:
        d_head = self.d_model // self.n_heads
        return Seq2SeqConfig(
            d_vocab=len(char_vocab.build_tokenizer().get_vocab()), d_model=self.d_model, n_heads=self.n_heads, d_head=d_head,
            d_mlp=self.d_mlp, n_encoder_layers=self.n_layers, n_decoder_layers=self.n_layers, max_positions=64, name="train-yourself",
        )  # fmt: skip


def training_plan() -> TrainingPlan:
    """The plan the page runs; ``ATTNVIZ_TRAIN_STEPS`` shortens it (the tests' tiny runs)."""
    steps = int(os.environ.get("ATTNVIZ_TRAIN_STEPS", TrainingPlan.steps))
    return TrainingPlan(steps=max(1, steps), snapshot_every=max(1, min(TrainingPlan.snapshot_every, steps // 4)), eval_every=max(1, min(TrainingPlan.eval_every, steps // 2)))


def run_training(plan: TrainingPlan, job: training_job.Recorder) -> None:
    """Train ``plan``'s Transformer from scratch (``attnviz.training.train.train``), recording into ``job``:
    the loss of every step, held-out exact-match accuracy every ``eval_every`` steps, and the fixed
    example's cross-attention (teacher-forced) at every snapshot. Runs in the job's training process; writes nothing to disk."""
    tok = char_vocab.build_tokenizer()
    cfg = plan.config()
    with train.seeded(plan.seed):
        net = EncoderDecoder(cfg)
    held_out = dates.DateGenerator(plan.seed + 1).held_out(plan.n_eval)
    example = train.make_batch(tok, [dates.Example(plan.example_source, plan.example_target, None, "example")])
    hooks = {"cross": [f"decoder.blocks.{layer}.cross_attn.hook_pattern" for layer in range(cfg.n_decoder_layers)]}

    def progress(step: int, loss: float, accuracy: float) -> None:
        job.loss(step, loss)
        if step % plan.eval_every == 0 or step == plan.steps:
            job.evaluated(step, train.exact_match(net, tok, held_out, max_len=OUTPUT_MAX))

    def snapshot(step: int, model) -> None:
        with recording(model, hooks) as stored:
            model(example.src_ids, example.tgt_in, example.src_mask)
        job.snapshot(step, stored["cross"][:, 0], train.translate_batch(model, tok, [plan.example_source], max_len=OUTPUT_MAX)[0])

    train.train(
        net, train.date_batches(tok, plan.seed, plan.batch), plan.steps, lr=plan.lr, warmup=plan.warmup,
        progress=progress, snapshot=snapshot, snapshot_every=plan.snapshot_every, should_stop=job.should_stop,
    )  # fmt: skip


def start_training(plan: TrainingPlan) -> training_job.TrainingJob | None:
    """Start ``plan`` as this session's job; None while another training runs on the server."""
    return training_job.start_for_session(functools.partial(run_training, plan), plan.steps, plan.seconds_limit)


def snapshot_weights(shot: training_job.Snapshot) -> torch.Tensor:
    """A snapshot's cross-attention in the last decoder layer, mean of the heads: float ``[tgt_pos, src_pos]``."""
    return shot.cross[-1].mean(0)


@dataclass(frozen=True)
class Sharpness:
    """Mean entropy (bits) of the example's cross-attention rows (last layer, each head) per snapshot, and a uniform row's."""

    steps: list[int]
    entropy: list[float]
    uniform: float


def sharpness(snapshots: list[training_job.Snapshot]) -> Sharpness:
    """``entropy_bits`` of every row of every head of the last decoder layer, averaged, for each snapshot;
    ``uniform`` is log2(src_pos), the entropy of a row spread evenly."""
    entropy = [float(entropy_bits(shot.cross[-1]).mean()) for shot in snapshots]
    return Sharpness([shot.step for shot in snapshots], entropy, max_entropy_bits(snapshots[0].cross.shape[-1]))


# --- Why attention: the GRU models ------------------------------------------------------

RNN_EXAMPLE_DATES = (  # (date, format) parts of the bottleneck page's examples, 1 to 3 dates each (the GRU task's range)
    ((datetime.date(2026, 11, 30), "d_month_yyyy"),),
    ((datetime.date(2026, 11, 30), "d_month_yyyy"), (datetime.date(1968, 7, 12), "zh_digits")),
    ((datetime.date(2011, 3, 3), "month_d_yyyy"), (datetime.date(1993, 10, 8), "zh_num"), (datetime.date(2045, 5, 25), "dd.mm.yyyy")),
)
_RNN_PAIRS = [dates.join_examples([dates.write(d, f) for d, f in parts]) for parts in RNN_EXAMPLE_DATES]
RNN_EXAMPLES = [pair.source for pair in _RNN_PAIRS]
RNN_TARGETS = {pair.source: pair.target for pair in _RNN_PAIRS}  # the expected output of each example
RNN_MAX_OUTPUT = 12 * 4  # up to four ISO dates and their spaces, then </s>
RNN_PLAIN, RNN_ATTENTION = bundle.RNN_MODELS


@process_wide()
def rnn_bundle() -> tuple[dict, object, dict]:
    """(name -> GRU model, tokenizer, manifest) from ``assets/toy-rnn`` (``bundle.read_toy_rnn``), once per process.

    Raises:
        ModelLoadError: naming the folder, when it is missing or does not fit its config.
    """
    try:
        return bundle.read_toy_rnn(bundle.TOY_RNN)
    except (OSError, ValueError) as err:
        raise ModelLoadError(path=str(bundle.TOY_RNN), problem=Text("load_unreadable", detail=str(err))) from None


def rnn_or_stop() -> tuple[dict, object, dict]:
    """``rnn_bundle()``, or its error shown and the run stopped."""
    try:
        return rnn_bundle()
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()


@dataclass(frozen=True)
class LengthCurve:
    """Exact-match accuracy by source length bucket, as the manifest measured it (``scripts/train_seq2seq.py``)."""

    lengths: list[str]
    accuracy: dict[str, list[float]]  # model name -> one accuracy per bucket
    counts: list[int]
    n_examples: int
    max_dates: int  # the task: 1 to this many dates in one source
    seed: int
    steps: dict[str, int]  # model name -> its training steps

    def reading(self) -> tuple[str, dict]:
        """The caption that reads the curve, as (translation key, its parameters): "s2s_curve_reading" when the
        GRU without attention starts at 50% or more and ends 20 points lower or more (the bottleneck as
        Bahdanau et al. 2015, Figure 2 shows it), else "s2s_curve_reading_untrained" (it has barely learnt the task)."""
        plain, attended = self.accuracy[RNN_PLAIN], self.accuracy[RNN_ATTENTION]
        falls = plain[0] >= 0.5 and plain[-1] <= plain[0] - 0.2
        params = {
            "plain_steps": f"{self.steps[RNN_PLAIN]:,}", "attn_steps": f"{self.steps[RNN_ATTENTION]:,}", "plain_first": plain[0],
            "first": self.lengths[0], "plain_last": plain[-1], "last": self.lengths[-1], "attn_min": min(attended),
        }  # fmt: skip
        return ("s2s_curve_reading" if falls else "s2s_curve_reading_untrained"), params


def length_curve() -> LengthCurve:
    """The manifest's accuracy by source length for both GRU models (the run stops with a message if the bundle is missing)."""
    manifest = rnn_or_stop()[2]
    measured = manifest["accuracy"]
    buckets = list(measured["buckets"])
    counts = [int(measured["examples"][b]) for b in buckets]
    accuracy = {name: [float(measured[name]["by_length"][b]) for b in buckets] for name in bundle.RNN_MODELS}
    steps = manifest["steps"]  # one number for both (manifests before the models' step counts differed), or one per model
    steps = {name: int(steps[name] if isinstance(steps, dict) else steps) for name in bundle.RNN_MODELS}
    return LengthCurve(buckets, accuracy, counts, sum(counts), int(manifest["max_dates"]), int(manifest["seed"]), steps)


def curve_names(curve: LengthCurve) -> dict[str, list[float]]:
    """The curves under their names in the user's language."""
    names = {RNN_PLAIN: ui.tr("s2s_model_plain"), RNN_ATTENTION: ui.tr("s2s_model_attention")}
    return {names[name]: values for name, values in curve.accuracy.items()}


@dataclass(frozen=True)
class RnnRun:
    """Both GRU models on one source, and what the attention model computed at each output step.

    Attributes:
        source_tokens: ``[src_pos]`` (characters, then </s>); output_tokens: the attention model's ``[out_pos]``.
        weights: its attention weights α ``[out_pos, src_pos]`` (Bahdanau et al. 2015, eq. 6).
        queries: ``W_a s_{i−1}`` for each step ``[out_pos, d_attn]``; keys: ``U_a h_j + b`` ``[src_pos, d_attn]``.
        v: the trained ``v_a`` ``[d_attn]``; d_query, d_key: the sizes of s and h_j.
    """

    source_tokens: list[str]
    output_tokens: list[str]
    plain_output: str
    attn_output: str
    expected: str | None
    weights: torch.Tensor
    queries: torch.Tensor
    keys: torch.Tensor
    v: torch.Tensor
    d_query: int
    d_key: int


@process_wide(max_entries=CAPTURES_KEPT)
def rnn_run_of(source: str) -> RnnRun:
    """Both models' greedy outputs for ``source``, the attention model's steps replayed one by one
    (``RnnSeq2Seq.step``, as its ``greedy`` does) to keep each step's decoder state s_{i−1}.

    Raises:
        ModelLoadError: without the bundle; SourceCharactersError: for characters outside the vocabulary.
    """
    nets, tok, _ = rnn_bundle()
    bad = [c for c in dict.fromkeys(source) if tok.token_to_id(c) is None]
    if bad:
        raise SourceCharactersError(chars=", ".join(f"“{c}”" for c in bad))
    src_ids, src_mask = train.encode_sources(tok, [source])
    net = nets[RNN_ATTENTION]
    with torch.no_grad():
        annotations, last = net.encode(src_ids, src_mask)
        state = torch.tanh(net.init_state(last))  # s_0
        keys = net.U_a(annotations)  # U_a h_j + b: [1, src_pos, d_attn]
        prev, written, states, alphas = torch.tensor([char_vocab.BOS_ID]), [], [], []
        for _ in range(RNN_MAX_OUTPUT):
            states.append(state[0])
            logits, state, alpha = net.step(prev, state, None, keys, annotations, src_mask)
            prev = logits.argmax(-1)
            written.append(int(prev))
            alphas.append(alpha[0])
            if written[-1] == char_vocab.EOS_ID:
                break
        queries = net.W_a(torch.stack(states))  # [out_pos, d_attn]
    plain = train.translate_batch(nets[RNN_PLAIN], tok, [source], max_len=RNN_MAX_OUTPUT)[0]
    text = tok.decode([i for i in written if i != char_vocab.EOS_ID])
    return RnnRun(
        source_tokens=[tok.id_to_token(i) for i in src_ids[0].tolist()], output_tokens=[tok.id_to_token(i) for i in written],
        plain_output=plain, attn_output=text, expected=RNN_TARGETS.get(source), weights=torch.stack(alphas),
        queries=queries, keys=keys[0], v=net.v_a.weight[0].detach(), d_query=net.cfg.d_hidden, d_key=2 * net.cfg.d_hidden,
    )  # fmt: skip


def rnn_run(source: str) -> RnnRun:
    """``rnn_run_of(source)``; a blank source or an error is a message and the run stops."""
    if not source.strip():
        st.info(ui.tr("s2s_empty_source"))
        st.stop()
    try:
        return rnn_run_of(source)
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()


@dataclass(frozen=True)
class RuleWeights:
    """Lesson 4's rules on one step's trained vectors: rule -> weights ``[src_pos]``; ``model_difference``:
    the largest gap between the additive weights recomputed here and the α the model used."""

    weights: dict[str, torch.Tensor]
    model_difference: float


def scoring_rules(run: RnnRun, step: int) -> RuleWeights:
    """The additive, dot-product and scaled dot-product weights of step ``step`` (``attnviz.lessons.scoring``).

    The query is ``q = W_a s_{i−1}`` and the keys ``k_j = U_a h_j + b``, so Bahdanau's
    ``v_aᵀ tanh(W_a s_{i−1} + U_a h_j + b)`` is Lesson 4's additive rule ``vᵀ tanh(W [q; k])``
    with ``W = [I I]`` and the trained ``v = v_a``; the dot-product rules score the same q and k.
    """
    q, k = run.queries[step : step + 1], run.keys  # [1, d_attn], [src_pos, d_attn]
    d = q.shape[-1]
    eye = torch.eye(d)
    params = scoring.ScoringParams(additive_W=torch.cat([eye, eye], dim=1), additive_v=run.v, general_W=eye)
    weights = {rule: scoring.weights(rule, q, k, params)[0] for rule in ("additive", "dot", "scaled_dot")}
    return RuleWeights(weights, float((weights["additive"] - run.weights[step]).abs().max()))
