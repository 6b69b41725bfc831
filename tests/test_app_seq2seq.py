"""The encoder–decoder pages (Translation, Why attention, Train it yourself), driven like a user with AppTest.

A tiny random translator in attnviz's own folder format stands in for the bundled one (it loads
in milliseconds); every number on screen is checked against a fresh capture of the same model.
Local folders typed into the operator's box (tiny seeded random BART, Marian and T5 checkpoints,
attnviz's own format) are checked against Hugging Face's ``generate`` and attentions on the same folder.
"""

from __future__ import annotations

import html
import json
import shutil
import time

import pytest
import torch
from apptest_helpers import array, new_app, shown_text
from seq2seq_helpers import write_hf_folder, write_toy_folder
from torch.testing import assert_close

from attnviz.errors import ModelLoadError
from attnviz.i18n import t
from attnviz.lessons.safe_text import escape_markdown
from attnviz.loading import load_model, registry

SOURCE = "30 Nov 2026"


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """``toy-seq2seq`` is a tiny random model for this test; the process-wide stores start empty and end so."""
    from attnviz.app import seq2seq_ui, ui

    write_toy_folder(tmp_path / "assets" / "toy-seq2seq")
    monkeypatch.setattr(registry, "REPO_ROOT", tmp_path)
    for store in (ui.get_model, seq2seq_ui.seq2seq_capture):
        store.clear()
    yield load_model("toy-seq2seq", device="cpu")
    for store in (ui.get_model, seq2seq_ui.seq2seq_capture):
        store.clear()


def open_page(page: str, **query):
    at = new_app(**query).run()
    return at.switch_page(page).run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def ticks(axis: dict) -> list[str]:
    return list(axis["ticktext"])


@pytest.mark.slow
def test_translation_shows_the_models_cross_attention_step_by_step(toy):
    at = open_page("pages/translation.py")
    at.text_input(key="s2s_source").set_value(SOURCE).run()
    assert not at.exception
    assert at.title[0].value == t("s2s_tr_title", "en")
    cap = toy.run_with_capture(SOURCE)
    assert toy.translate(SOURCE) in shown_text(at)

    alignment = chart(at, "s2s_alignment")
    last = cap.n_decoder_layers - 1
    assert_close(torch.tensor(array(alignment["data"][0]["z"])).float(), cap.cross_pattern[last].mean(0), atol=1e-6, rtol=0)
    assert ticks(alignment["layout"]["xaxis"])[-1] == "&lt;/s&gt;"  # escaped end token
    assert len(ticks(alignment["layout"]["yaxis"])) == len(cap.output_tokens)
    step_row = alignment["layout"]["shapes"][0]
    assert (step_row["y0"], step_row["y1"]) == (-0.5, 0.5)  # the first output step

    at.button(key="s2s_next").click().run()
    at.button(key="s2s_next").click().run()
    assert not at.exception
    assert at.slider(key="s2s_step").value == 2
    step_row = chart(at, "s2s_alignment")["layout"]["shapes"][0]
    assert (step_row["y0"], step_row["y1"]) == (1.5, 2.5)
    multiples = chart(at, "s2s_step_multiples")
    for layer in range(cap.n_decoder_layers):
        assert_close(torch.tensor(array(multiples["data"][layer]["z"])).float(), cap.cross_pattern[layer, :, 2], atol=1e-6, rtol=0)

    at.selectbox(key="s2s_head").set_value(1).run()
    at.selectbox(key="s2s_layer").set_value(0).run()
    assert_close(torch.tensor(array(chart(at, "s2s_alignment")["data"][0]["z"])).float(), cap.cross_pattern[0, 1], atol=1e-6, rtol=0)
    decoder_self = torch.tensor(array(chart(at, "s2s_decoder_self")["data"][0]["z"])).float()
    assert_close(decoder_self, cap.decoder_pattern[0, 1], atol=1e-6, rtol=0)
    assert decoder_self.triu(1).abs().max() == 0  # the causal mask
    assert_close(torch.tensor(array(chart(at, "s2s_encoder_self")["data"][0]["z"])).float(), cap.pattern[last, 1], atol=1e-6, rtol=0)


@pytest.mark.slow
def test_teacher_forcing_shows_the_decoder_input_shifted_right_of_the_labels(toy):
    at = open_page("pages/translation.py")
    at.text_input(key="s2s_source").set_value(SOURCE).run()
    cap = toy.run_with_capture(SOURCE)
    rows = chart(at, "s2s_teacher")["data"][0]["text"]
    assert rows[0][0] == "&lt;s&gt;"
    assert rows[0] == [html.escape(tok, quote=False) for tok in cap.target_tokens]
    assert rows[1] == [html.escape(tok, quote=False) for tok in cap.output_tokens]
    assert rows[0][1:] == rows[1][:-1]  # shifted right by one
    assert len(rows[0]) == len(cap.target_tokens) == len(cap.output_tokens)


def test_an_example_picked_becomes_the_source(toy):
    from attnviz.app import seq2seq_ui

    at = open_page("pages/translation.py")
    example = seq2seq_ui.EXAMPLES[5]  # 二〇二六年十一月三十日
    at.selectbox(key="s2s_source_example").set_value(example).run()
    assert not at.exception
    assert at.text_input(key="s2s_source").value == example
    assert ticks(chart(at, "s2s_alignment")["layout"]["xaxis"])[:3] == ["二", "〇", "二"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_characters_outside_the_vocabulary_are_named_in_the_users_language(toy, lang):
    at = open_page("pages/translation.py", lang=lang)
    at.text_input(key="s2s_source").set_value("30 Nov 2026 ☃ €☃").run()
    assert not at.exception
    assert at.error[0].value == t("err_s2s_unknown_characters", lang, chars="“☃”, “€”")  # each once, in order; "N" is known
    assert not at.get("plotly_chart")


def test_an_empty_or_too_long_source_is_a_message_not_a_traceback(toy):
    at = open_page("pages/translation.py", lang="zh")
    at.text_input(key="s2s_source").set_value("   ").run()
    assert not at.exception and at.info[0].value == t("s2s_empty_source", "zh")
    at.text_input(key="s2s_source").set_value("1" * 40).run()
    assert not at.exception
    assert at.error[0].value == t("err_source_too_long", "zh", n=41, most=toy.max_tokens)


def test_translation_in_chinese(toy):
    at = open_page("pages/translation.py", lang="zh")
    at.text_input(key="s2s_source").set_value("2026年11月30日").run()
    assert not at.exception
    assert not [c for c in at.caption if c.value.startswith(t("s2s_local_shown", "zh", folder="", n_encoder=0, n_decoder=0, n_heads=0, d_vocab=0)[:5])]  # the bundled translator needs no naming
    assert at.title[0].value == t("s2s_tr_title", "zh")
    assert chart(at, "s2s_alignment")["layout"]["xaxis"]["title"]["text"] == t("s2s_axis_source", "zh")


# --- a local folder on the Translation page (operator setting), and folders of the other kind -----


@pytest.fixture
def local_models(monkeypatch):
    """The operator allows local folders; the process-wide stores start empty and end so."""
    from attnviz.app import seq2seq_ui, ui

    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    stores = (ui.get_model, seq2seq_ui.seq2seq_capture)
    for store in stores:
        store.clear()
    yield
    for store in stores:
        store.clear()


def open_folder(folder, page: str = "pages/translation.py", source: str | None = SOURCE, lang: str = "en"):
    """``page`` with ``folder`` typed into the local-model box (and ``source`` into the translator's)."""
    at = open_page(page, lang=lang)
    at.text_input(key="local_model").set_value(str(folder)).run()
    if source is not None:
        at.text_input(key="s2s_source").set_value(source).run()
    return at


@pytest.mark.slow
@pytest.mark.parametrize(("family", "seed"), [("bart", 2), ("marian", 2), ("t5", 3)])  # seeds whose greedy output is more than the end token
def test_a_local_bart_marian_or_t5_folder_shows_its_own_output_and_cross_attention(local_models, tmp_path, family, seed):
    from transformers import AutoTokenizer

    folder = tmp_path / family
    hf = write_hf_folder(folder, family, seed)
    hf.set_attn_implementation("eager")  # only eager attention returns the patterns
    at = open_folder(folder)
    assert not at.exception and not at.error

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)  # Hugging Face's own reading of the folder
    ids = tokenizer(SOURCE)["input_ids"]
    with torch.no_grad():
        generated = hf.generate(torch.tensor([ids]), do_sample=False, num_beams=1, max_new_tokens=40)[0].tolist()  # 40: the folder's positions
    start, written = generated[0], generated[1:]
    assert len(written) > 1
    assert escape_markdown(tokenizer.decode(written, skip_special_tokens=True)) in shown_text(at)
    alignment = chart(at, "s2s_alignment")
    assert ticks(alignment["layout"]["yaxis"]) == [html.escape(tokenizer.decode([token]), quote=False) for token in written]
    assert ticks(alignment["layout"]["xaxis"]) == [html.escape(tokenizer.decode([token]), quote=False) for token in ids]
    with torch.no_grad():
        out = hf(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[start, *written[:-1]]]), output_attentions=True)
    last = out.cross_attentions[-1][0]  # [head, tgt_pos, src_pos], the last decoder layer: the page's default
    assert_close(torch.tensor(array(alignment["data"][0]["z"])).float(), last.mean(0), atol=1e-5, rtol=0)
    assert len(at.selectbox(key="s2s_head").options) == 1 + hf.config.num_attention_heads  # the mean, then each of the folder's heads
    layers = (hf.config.num_layers, hf.config.num_decoder_layers) if family == "t5" else (hf.config.encoder_layers, hf.config.decoder_layers)
    named = t("s2s_local_shown", "en", folder=escape_markdown(str(folder)), n_encoder=layers[0], n_decoder=layers[1], n_heads=hf.config.num_attention_heads, d_vocab=hf.config.vocab_size)
    assert named in [caption.value for caption in at.caption]  # the page says whose numbers these are


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["a copy of the bundled translator", "one the training script wrote"])
def test_a_folder_in_attnviz_own_format_loads_through_the_box(local_models, tmp_path, kind):
    from attnviz.app import ui

    folder = tmp_path / "my translator"
    if kind.startswith("a copy"):
        shutil.copytree(registry.SEQ2SEQ_REGISTRY["toy-seq2seq"].folder, folder)
    else:
        write_toy_folder(folder, seed=3)  # random weights, as scripts/train_seq2seq.py --out writes them
    at = open_folder(folder)
    assert not at.exception and not at.error
    assert at.text_input(key="local_model").help == t("serve_local_model_help_s2s", "en")
    assert ui.get_model.has(str(folder))  # the typed folder was loaded, not the bundled translator
    model = load_model(folder, device="cpu")
    cap = model.run_with_capture(SOURCE)
    assert escape_markdown(model.translate(SOURCE)) in shown_text(at)
    alignment = chart(at, "s2s_alignment")
    assert len(ticks(alignment["layout"]["yaxis"])) == len(cap.output_tokens)
    assert_close(torch.tensor(array(alignment["data"][0]["z"])).float(), cap.cross_pattern[-1].mean(0), atol=1e-6, rtol=0)


def encoder_or_decoder_folder(folder, family: str):
    """A tiny random BERT or GPT-2 folder (config.json and safetensors weights)."""
    from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    if family == "bert":
        hf = BertModel(BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=4, intermediate_size=64, max_position_embeddings=40))
    else:
        hf = GPT2LMHeadModel(GPT2Config(vocab_size=64, n_embd=32, n_layer=1, n_head=4, n_positions=40))
    hf.save_pretrained(folder, safe_serialization=True)
    return folder


@pytest.mark.parametrize(("family", "lang"), [("bert", "en"), ("gpt2", "zh")])
def test_an_encoder_or_decoder_folder_on_the_translation_page_is_a_message_in_the_users_language(local_models, tmp_path, family, lang):
    folder = encoder_or_decoder_folder(tmp_path / f"**{family}** [x](y)", family)  # the name is typed text: never Markdown
    at = open_folder(folder, source=None, lang=lang)
    assert not at.exception
    assert at.error[0].value == t("err_s2s_needs_encoder_decoder", lang, name=escape_markdown(str(folder)))
    assert at.text_input(key="local_model").help == t("serve_local_model_help_s2s", lang)


@pytest.mark.parametrize(("page", "kind", "lang"), [("pages/explorer.py", "bart", "en"), ("pages/step_by_step.py", "native", "zh")])
def test_an_encoder_decoder_folder_on_an_encoder_or_decoder_page_is_a_message_not_a_traceback(local_models, tmp_path, page, kind, lang):
    folder = tmp_path / kind
    write_hf_folder(folder, "bart") if kind == "bart" else write_toy_folder(folder)
    at = open_folder(folder, page=page, source=None, lang=lang)
    assert not at.exception
    assert at.error[0].value == t("err_s2s_needs_encoder_or_decoder", lang, name=escape_markdown(str(folder)))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_folder_without_a_config_the_loaders_read_names_the_three(local_models, tmp_path, lang):
    (tmp_path / "weights only").mkdir()
    at = open_folder(tmp_path / "weights only", source=None, lang=lang)
    assert not at.exception
    assert at.error[0].value == t("serve_local_model_missing", lang, path=escape_markdown(str(tmp_path / "weights only")))
    assert all(name in at.error[0].value for name in ("config.json", "attnviz-config.json", "attnviz-seq2seq.json"))


def test_a_bart_folder_without_its_tokenizer_is_the_load_error_not_a_traceback(local_models, tmp_path):
    folder = tmp_path / "bart"
    write_hf_folder(folder, "bart")
    for file in folder.glob("*token*"):
        file.unlink()
    with pytest.raises(ModelLoadError) as err:
        load_model(folder, device="cpu")
    at = open_folder(folder, source=None, lang="zh")
    assert not at.exception
    assert at.error[0].value == err.value.message("zh", escape=escape_markdown)
    assert not at.get("plotly_chart")


# --- Train it yourself --------------------------------------------------------------------------


@pytest.fixture
def no_job():
    """No training runs when the test starts; any the test started has ended when it finishes."""
    from attnviz.app import training_job

    assert training_job.current() is None
    yield training_job
    job = training_job.current()
    if job is not None:
        job.cancel()
        job.thread.join(30)


def run_until_done(at, seconds: float = 120):
    """Rerun the page (as its polling does) until its training has ended."""
    from attnviz.app import training_job

    end = time.monotonic() + seconds
    while training_job.current() is not None and time.monotonic() < end:
        time.sleep(0.2)
    return at.run()


@pytest.mark.slow
def test_a_short_training_runs_and_shows_its_curves_and_snapshots(no_job, monkeypatch):
    monkeypatch.setenv("ATTNVIZ_TRAIN_STEPS", "8")
    at = open_page("pages/train_yourself.py")
    assert not at.exception and at.title[0].value == t("s2s_train_title", "en")
    at.button(key="s2s_train_start").click().run()
    assert not at.exception
    at = run_until_done(at)
    assert not at.exception
    view = at.session_state["s2s_train_job"].view()
    assert view.status == "done" and view.step == 8
    assert t("s2s_train_status_done", "en", step=8, total=8, seconds=f"{view.seconds:.1f}") in shown_text(at)
    curves = chart(at, "s2s_train_curves")
    assert_close(torch.tensor(array(curves["data"][0]["y"])), torch.tensor(view.losses), atol=1e-6, rtol=0, check_dtype=False)
    assert list(array(curves["data"][0]["x"])) == list(range(1, 9))
    assert [s.step for s in view.snapshots] == [0, 2, 4, 6, 8]  # every 8 // 4 steps, and at the end
    at.slider(key="s2s_train_snapshot").set_value(0).run()
    first = torch.tensor(array(chart(at, "s2s_train_snapshot_map")["data"][0]["z"])).float()
    assert_close(first, view.snapshots[0].cross[-1].mean(0), atol=1e-6, rtol=0)
    assert_close(first.sum(-1), torch.ones(first.shape[0]), atol=1e-5, rtol=0)
    title = t("s2s_train_snapshot_title", "en", step=0, output=view.snapshots[0].output)
    assert chart(at, "s2s_train_snapshot_map")["layout"]["title"]["text"] == html.escape(title, quote=False)


def endless(plan, recorder):
    """A training that runs until it is stopped (module-level: the training process imports it by name)."""
    step = 0
    while not recorder.should_stop():
        step += 1
        recorder.loss(step, 1.0 / step)
        time.sleep(0.01)


@pytest.mark.slow
def test_a_second_session_waits_while_a_training_runs_and_the_owner_can_cancel_it(no_job, monkeypatch):
    import functools

    from attnviz.app import seq2seq_ui

    monkeypatch.setattr(seq2seq_ui, "start_training", lambda plan: no_job.start_for_session(functools.partial(endless, plan), 10**6))
    owner = open_page("pages/train_yourself.py")
    owner.button(key="s2s_train_start").click().run()
    assert owner.button(key="s2s_train_start").disabled  # the run after the click already shows the training running
    assert owner.get("progress") and owner.button(key="s2s_train_cancel")
    other = open_page("pages/train_yourself.py", lang="zh")
    assert not other.exception
    assert other.button(key="s2s_train_start").disabled
    assert other.warning[0].value.startswith(t("s2s_train_busy", "zh", percent="")[:10])
    assert not [b for b in other.button if b.key == "s2s_train_cancel"]  # only its owner can cancel it
    owner.run()
    owner.button(key="s2s_train_cancel").click().run()
    owner = run_until_done(owner, 30)
    assert owner.session_state["s2s_train_job"].view().status == "cancelled"
    assert no_job.current() is None
    assert not other.run().button(key="s2s_train_start").disabled


# --- Why attention ------------------------------------------------------------------------------


@pytest.fixture
def gru(tmp_path, monkeypatch):
    """Two tiny random GRU models and a manifest in ``toy-rnn``'s format, standing in for the bundled ones."""
    from attnviz.app import seq2seq_ui
    from attnviz.model.rnn_seq2seq import RnnSeq2Seq, RnnSeq2SeqConfig
    from attnviz.training import bundle, char_vocab

    tok = char_vocab.build_tokenizer()
    torch.manual_seed(0)
    nets = {name: RnnSeq2Seq(RnnSeq2SeqConfig(tok.get_vocab_size(), attention=name == "gru_attention", d_embed=8, d_hidden=12, d_attn=10, name=name)).eval() for name in bundle.RNN_MODELS}
    accuracy = {"buckets": ["0-19", "20-39", "40-59"], "examples": {"0-19": 300, "20-39": 410, "40-59": 290}}
    accuracy |= {"gru": {"by_length": {"0-19": 0.9, "20-39": 0.41, "40-59": 0.05}}, "gru_attention": {"by_length": {"0-19": 0.99, "20-39": 0.97, "40-59": 0.96}}}
    bundle.write_toy_rnn(tmp_path / "toy-rnn", nets, tok, {"task": "dates -> ISO", "max_dates": 3, "seed": 7, "steps": 50, "accuracy": accuracy})
    monkeypatch.setattr(bundle, "TOY_RNN", tmp_path / "toy-rnn")
    for store in (seq2seq_ui.rnn_bundle, seq2seq_ui.rnn_run_of):
        store.clear()
    yield bundle.read_toy_rnn(tmp_path / "toy-rnn")[0], tok, accuracy
    for store in (seq2seq_ui.rnn_bundle, seq2seq_ui.rnn_run_of):
        store.clear()


def test_why_attention_draws_the_manifests_curve_and_both_models_on_an_example(gru):
    from attnviz.app import seq2seq_ui
    from attnviz.training import train

    nets, tok, accuracy = gru
    at = open_page("pages/why_attention.py")
    assert not at.exception and at.title[0].value == t("s2s_why_title", "en")
    curve = chart(at, "s2s_length_curve")
    assert [trace["name"] for trace in curve["data"]] == [t("s2s_model_plain", "en"), t("s2s_model_attention", "en")]
    for trace, name in zip(curve["data"], ("gru", "gru_attention")):
        assert list(trace["x"]) == accuracy["buckets"]
        assert_close(torch.tensor(array(trace["y"])), torch.tensor([100 * accuracy[name]["by_length"][b] for b in accuracy["buckets"]]), check_dtype=False)
    assert t("s2s_curve_caption", "en", n=1000, seed=7, max_dates=3) in shown_text(at)
    reading = t("s2s_curve_reading", "en", plain_steps="50", attn_steps="50", plain_first=0.9, first="0-19", plain_last=0.05, last="40-59", attn_min=0.96)
    assert reading in shown_text(at) and "90%" in reading and "5%" in reading and "96%" in reading  # the manifest's figures, not fixed words

    source = seq2seq_ui.RNN_EXAMPLES[1]
    assert at.text_input(key="s2s_why_source").value == source
    src_ids, src_mask = train.encode_sources(tok, [source])
    text = shown_text(at)
    for name in ("gru", "gru_attention"):
        out = train.translate_batch(nets[name], tok, [source], max_len=seq2seq_ui.RNN_MAX_OUTPUT)[0]
        assert out in text
    ids, alphas = nets["gru_attention"].greedy(src_ids, src_mask, seq2seq_ui.RNN_MAX_OUTPUT)
    n_out = (ids[0] == 2).nonzero()[0, 0] + 1 if (ids[0] == 2).any() else ids.shape[1]
    shown = torch.tensor(array(chart(at, "s2s_why_weights")["data"][0]["z"])).float()
    assert_close(shown, alphas[0, :n_out], atol=1e-6, rtol=0)
    assert t("s2s_why_expected", "en", expected=escape_markdown("2026-11-30 1968-07-12"), plain=t("s2s_verdict_False", "en"), attn=t("s2s_verdict_False", "en")) in text


def test_the_scoring_rules_run_on_the_trained_vectors_and_additive_is_what_the_model_used(gru):
    nets, tok, _ = gru
    net = nets["gru_attention"]
    at = open_page("pages/why_attention.py", lang="zh")
    at.slider(key="s2s_why_step").set_value(1).run()
    assert not at.exception
    bars = chart(at, "s2s_why_scoring")["data"]
    assert [b["name"] for b in bars] == [t(f"lesson4_rule_{r}", "zh") for r in ("additive", "dot", "scaled_dot")]
    from attnviz.app import seq2seq_ui
    from attnviz.training import train

    source = seq2seq_ui.RNN_EXAMPLES[1]
    src_ids, src_mask = train.encode_sources(tok, [source])
    _, alphas = net.greedy(src_ids, src_mask, seq2seq_ui.RNN_MAX_OUTPUT)
    assert_close(torch.tensor(array(bars[0]["y"])).float(), alphas[0, 1], atol=1e-6, rtol=0)  # the model's own weights
    with torch.no_grad():  # s_1, written out: the decoder's state after reading <s> (Bahdanau et al. 2015, eq. 4)
        annotations, last = net.encode(src_ids, src_mask)
        s0 = torch.tanh(net.init_state(last))
        _, s1, _ = net.step(torch.tensor([1]), s0, None, net.U_a(annotations), annotations, src_mask)
        q, k = net.W_a(s1)[0], net.U_a(annotations)[0]
    assert_close(torch.tensor(array(bars[1]["y"])).float(), torch.softmax(k @ q, -1), atol=1e-6, rtol=0)
    assert_close(torch.tensor(array(bars[2]["y"])).float(), torch.softmax(k @ q / q.shape[0] ** 0.5, -1), atol=1e-6, rtol=0)


def test_why_attention_names_unknown_characters_and_a_missing_bundle(gru, monkeypatch, tmp_path):
    from attnviz.app import seq2seq_ui
    from attnviz.training import bundle

    at = open_page("pages/why_attention.py", lang="zh")
    at.text_input(key="s2s_why_source").set_value("30 Nov 2026; ☃").run()
    assert not at.exception and at.error[0].value == t("err_s2s_unknown_characters", "zh", chars="“☃”")
    monkeypatch.setattr(bundle, "TOY_RNN", tmp_path / "nowhere")
    seq2seq_ui.rnn_bundle.clear()
    at = open_page("pages/why_attention.py")
    assert not at.exception and "nowhere" in at.error[0].value


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lesson", "target", "label"),
    [
        ("pages/lessons/soft_hard.py", "translation", "s2s_link_translation"),
        ("pages/lessons/scoring.py", "why_attention", "s2s_link_why"),
        ("pages/lessons/block.py", "translation", "s2s_link_translation"),
    ],
)
def test_lessons_3_4_and_7_link_here_where_they_speak_of_cross_attention(lesson, target, label):
    at = open_page(lesson, lang="zh")
    assert not at.exception
    links = [(link.proto.page, link.proto.label) for link in at.get("page_link")]
    assert any(page.endswith(target) and text == t(label, "zh") for page, text in links), links


def one_snapshot(plan, recorder):
    """A training that ends after one step with one snapshot (as one cancelled at once does)."""
    recorder.snapshot(0, torch.full((1, 4, len(plan.example_outputs), len(plan.example_tokens)), 1 / len(plan.example_tokens)), "")
    recorder.loss(1, 5.0)


def test_a_training_with_one_snapshot_shows_it_without_a_slider(no_job, monkeypatch):
    import functools

    from attnviz.app import seq2seq_ui

    monkeypatch.setattr(seq2seq_ui, "start_training", lambda plan: no_job.start_for_session(functools.partial(one_snapshot, plan), 1))
    at = open_page("pages/train_yourself.py")
    at.button(key="s2s_train_start").click().run()
    at = run_until_done(at, 60)
    assert not at.exception
    assert not [s for s in at.slider if s.key == "s2s_train_snapshot"]
    shown = torch.tensor(array(chart(at, "s2s_train_snapshot_map")["data"][0]["z"])).float()
    assert_close(shown, torch.full(shown.shape, 1 / shown.shape[1]), atol=1e-6, rtol=0)  # uniform, as recorded


@pytest.mark.parametrize(
    ("plain", "key"),
    [([0.96, 0.6, 0.45], "s2s_curve_reading"), ([0.12, 0.0, 0.0], "s2s_curve_reading_untrained"), ([0.9, 0.85, 0.8], "s2s_curve_reading_untrained")],
)
def test_the_curves_reading_says_what_the_numbers_show(plain, key):
    """A fall with length from a trained start reads as Bahdanau et al.'s Figure 2; a low start or a flat curve does not."""
    from attnviz.app.seq2seq_ui import RNN_ATTENTION, RNN_PLAIN, LengthCurve

    curve = LengthCurve(["0-19", "20-29", "30+"], {RNN_PLAIN: plain, RNN_ATTENTION: [0.99, 0.98, 0.97]}, [10, 10, 10], 30, 3, 0, {RNN_PLAIN: 4000, RNN_ATTENTION: 1000})
    reading, params = curve.reading()
    assert reading == key
    assert params["plain_first"] == plain[0] and params["plain_last"] == plain[-1] and params["attn_min"] == 0.97
    text = t(reading, "zh", **params)
    assert "4,000" in text and "1,000" in text and f"{plain[0]:.0%}" in text
