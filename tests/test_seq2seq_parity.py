"""Parity with Hugging Face on tiny seeded random BART, Marian and T5 checkpoints.

Each family's checkpoint is written with ``save_pretrained(safe_serialization=True)`` and
a character tokenizer, loaded with ``attnviz.load_model`` (the strict converters), and
compared with Hugging Face's eager attention (``output_attentions=True``): encoder,
decoder and cross-attention patterns within 1e-5, logits within 1e-4 relative, greedy
generation equal to ``generate(do_sample=False, num_beams=1)`` token for token.
"""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file, save_file
from seq2seq_helpers import COMMON, DIMS, FAMILIES, V, hf_tokenizer, write_hf_folder
from transformers import BartConfig, BartForConditionalGeneration

from attnviz.errors import ModelLoadError, UnsafeWeightsError
from attnviz.loading import load_model
from attnviz.loading import seq2seq as seq2seq_loading
from attnviz.model.hooks import recording

SOURCES = ["30 November 2026", "Nov 3, 26"]
TARGETS = ["2026-11-30", "2026-11-03"]


@pytest.fixture(scope="module", params=list(FAMILIES))
def pair(request, tmp_path_factory):
    """(Hugging Face model in eager mode, our model loaded from its saved folder)."""
    folder = tmp_path_factory.mktemp(request.param)
    hf = write_hf_folder(folder, request.param)
    hf.set_attn_implementation("eager")  # only eager attention returns the patterns
    return hf, load_model(folder, device="cpu")


def batch(ours, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids padded at the end and the padding mask (True = real token), ``[batch, pos]``."""
    rows = [ours.source_ids(text) for text in texts]
    n = max(map(len, rows))
    ids = torch.tensor([row + [ours.config.pad_token_id] * (n - len(row)) for row in rows])
    mask = torch.tensor([[True] * len(row) + [False] * (n - len(row)) for row in rows])
    return ids, mask


def decoder_inputs(ours, texts: list[str]) -> torch.Tensor:
    rows = [[ours.config.decoder_start_token_id, *ours.target_ids(text)[:-1]] for text in texts]
    assert len({len(row) for row in rows}) == 1
    return torch.tensor(rows)


def test_patterns_and_logits_match_hugging_face(pair):
    hf, ours = pair
    src, mask = batch(ours, SOURCES)
    tgt = decoder_inputs(ours, TARGETS)
    kinds = {
        "encoder": ("encoder.blocks.{}.attn", ours.config.n_encoder_layers),
        "decoder": ("decoder.blocks.{}.self_attn", ours.config.n_decoder_layers),
        "cross": ("decoder.blocks.{}.cross_attn", ours.config.n_decoder_layers),
    }
    hooks = {kind: [f"{prefix.format(layer)}.hook_pattern" for layer in range(n)] for kind, (prefix, n) in kinds.items()}
    with torch.no_grad(), recording(ours.network, hooks) as stored:
        logits = ours.network(src, tgt, mask)
        out = hf(input_ids=src, attention_mask=mask.long(), decoder_input_ids=tgt, output_attentions=True)
    theirs = {"encoder": out.encoder_attentions, "decoder": out.decoder_attentions, "cross": out.cross_attentions}
    for kind, patterns in theirs.items():
        torch.testing.assert_close(stored[kind], torch.stack(patterns), rtol=0, atol=1e-5)
    torch.testing.assert_close(logits, out.logits, rtol=1e-4, atol=1e-5)
    assert out.cross_attentions[0][1, :, :, -1].abs().max() == 0  # the padded source key is hidden (the second source is shorter)


def test_capture_matches_hugging_face(pair):
    hf, ours = pair
    cap = ours.run_with_capture(SOURCES[0], TARGETS[0])
    with torch.no_grad():
        out = hf(input_ids=cap.token_ids[None], decoder_input_ids=cap.target_token_ids[None], output_attentions=True)
    torch.testing.assert_close(cap.pattern, torch.stack(out.encoder_attentions)[:, 0], rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.decoder_pattern, torch.stack(out.decoder_attentions)[:, 0], rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.cross_pattern, torch.stack(out.cross_attentions)[:, 0], rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.logits, out.logits[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("source", SOURCES)
def test_greedy_generation_matches_hugging_face(pair, source):
    hf, ours = pair
    ids = ours.source_ids(source)
    with torch.no_grad():
        generated = hf.generate(torch.tensor([ids]), do_sample=False, num_beams=1, max_new_tokens=12)[0].tolist()
    assert generated[0] == ours.config.decoder_start_token_id
    written = generated[1:]
    if ours.config.eos_token_id in written:
        written = written[: written.index(ours.config.eos_token_id) + 1]
    assert ours.generate_ids(ids, max_new_tokens=12) == written


def bart_folder(folder, **changes):
    torch.manual_seed(0)
    config = BartConfig(**(DIMS | changes), **COMMON, decoder_start_token_id=2, forced_bos_token_id=None)
    BartForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    hf_tokenizer().save_pretrained(folder)
    return folder


def rewrite(folder, edit) -> None:
    state = load_file(folder / "model.safetensors")
    edit(state)
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda sd: sd.pop("model.decoder.layers.1.fc2.weight"), "missing"),
        (lambda sd: sd.update({"model.encoder.layers.0.extra.weight": torch.zeros(2)}), "unexpected"),
        (lambda sd: sd.update({"model.encoder.layers.0.fc1.weight": torch.zeros(65, 32)}), "shape"),
        (lambda sd: sd.update({"model.shared.weight": torch.full((V, 32), float("nan"))}), "NaN"),
    ],
)
def test_damaged_bart_checkpoints_are_load_errors(tmp_path, edit, words):
    folder = bart_folder(tmp_path / "bart")
    rewrite(folder, edit)
    with pytest.raises(ModelLoadError, match=words) as err:
        load_model(folder, device="cpu")
    assert str(folder) in str(err.value)


def test_pickled_weights_are_refused(tmp_path):
    folder = bart_folder(tmp_path / "bart")
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(UnsafeWeightsError):
        load_model(folder, device="cpu")


def test_options_attnviz_does_not_implement_are_refused(tmp_path):
    folder = bart_folder(tmp_path / "bart", decoder_attention_heads=2)
    with pytest.raises(ModelLoadError, match="decoder_attention_heads"):
        load_model(folder, device="cpu")


def test_the_converters_read_the_config_without_remote_code(tmp_path, monkeypatch):
    folder = bart_folder(tmp_path / "bart")
    calls = []
    import transformers

    for name in ("AutoConfig", "AutoTokenizer"):
        original = getattr(transformers, name).from_pretrained

        def spy(*args, _original=original, **kwargs):
            calls.append(kwargs.get("trust_remote_code"))
            return _original(*args, **kwargs)

        monkeypatch.setattr(getattr(seq2seq_loading, name), "from_pretrained", spy)
    load_model(folder, device="cpu")
    assert len(calls) >= 2 and all(call is False for call in calls)
