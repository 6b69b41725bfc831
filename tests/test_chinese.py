"""Chinese text gives readable tokens: byte-level pieces are labelled by the characters they spell, never "�".

The expected labels come from first principles (UTF-8 has 3 bytes per common Chinese
character; the tiny tokenizer, trained on English only, has one token per such byte) or
from an independent source, the fast tokenizer's own offsets mapping.
"""

from __future__ import annotations

import pytest
from decoder_helpers import tiny_llama_pair, tiny_tokenizer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attnviz.model.token_labels import SUPERSCRIPT_DIGITS, Piece, TokenSpeller, has_split_characters, render

SENTENCE = "动物没有过马路，因为它太累了。"
FFFD = "\ufffd"

any_text = st.text(st.characters(codec="utf-8", exclude_characters=FFFD), min_size=1, max_size=40)
# no whitespace: a byte-level tokenizer's offsets trim spaces, so only there they cover exactly a token's characters
cjk_text = st.text(
    st.one_of(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.sampled_from("，。！？：；（）abc123🙂ü")), min_size=1, max_size=30
)


def spelled(pieces: list[list[Piece]]) -> str:
    """The text the pieces spell: each character once (a split one at its first part)."""
    return "".join(p.text for token in pieces for p in token if p.kind != "bytes" and p.part <= 1)


@pytest.fixture(scope="module")
def tiny():
    return TokenSpeller(tiny_tokenizer())


def test_a_character_split_over_three_byte_tokens_shows_on_each_with_its_part_number(tiny):
    ids = tiny_tokenizer()("动物")["input_ids"]
    assert len(ids) == len("动物".encode()) == 6  # premise: one token per byte
    assert tiny.labels(ids) == ["动¹", "动²", "动³", "物¹", "物²", "物³"]
    assert tiny.text(ids) == "动物"


def test_the_old_per_token_decoding_gave_replacement_characters(tiny):
    """Why this module exists: decoding each id alone cannot show a piece of a character."""
    tok = tiny_tokenizer()
    ids = tok("动物")["input_ids"]
    assert all(tok.decode([i]) == FFFD for i in ids)
    assert FFFD not in "".join(tiny.labels(ids))


@settings(max_examples=150, deadline=None)
@given(text=any_text)
def test_any_text_is_spelled_back_without_replacement_characters(tiny, text):
    ids = tiny_tokenizer()(text)["input_ids"]
    pieces = tiny.pieces(ids)
    assert spelled(pieces) == text
    assert tiny.text(ids) == text
    labels = tiny.labels(ids)
    assert len(labels) == len(ids) and all(labels)
    assert FFFD not in "".join(labels)
    assert not any(p.kind == "bytes" for token in pieces for p in token)  # valid text: every byte belongs to a character


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(st.integers(0, len(tiny_tokenizer()) - 1), min_size=1, max_size=30))
def test_any_token_ids_get_labels_without_replacement_characters(tiny, ids):
    """Generated ids need not spell valid UTF-8: stray bytes show in hex, never as �."""
    labels = tiny.labels(ids)
    assert len(labels) == len(ids) and all(labels)
    assert FFFD not in "".join(labels) + tiny.text(ids)
    raw = b"".join(tiny.token_bytes(i) or b"" for i in ids)
    if FFFD not in raw.decode("utf-8", errors="replace") and tiny_tokenizer().eos_token_id not in ids:
        assert tiny.text(ids) == raw.decode("utf-8")  # valid bytes: the text is exactly their decoding


def offsets_oracle(tokenizer, text: str) -> tuple[list[int], list[str]]:
    """Ids and each token's expected label, from the tokenizer's offsets mapping (not from its bytes)."""
    enc = tokenizer(text, return_offsets_mapping=True)
    spans = enc["offset_mapping"]
    expected = []
    for i, (start, end) in enumerate(spans):
        label = ""
        for c in range(start, end):
            holders = [j for j, (s, e) in enumerate(spans) if s <= c < e]
            part = holders.index(i) + 1 if len(holders) > 1 else 0
            label += text[c] + (str(part).translate(str.maketrans("0123456789", SUPERSCRIPT_DIGITS)) if part else "")
        expected.append(label)
    return enc["input_ids"], expected


@settings(max_examples=100, deadline=None)
@given(text=cjk_text)
def test_labels_agree_with_the_tokenizers_offsets_mapping(tiny, text):
    ids, expected = offsets_oracle(tiny_tokenizer(), text)
    assert tiny.labels(ids) == expected


@pytest.mark.slow
def test_smollm2_labels_agree_with_its_offsets_mapping_and_split_some_characters(smollm2):
    ids, expected = offsets_oracle(smollm2.tokenizer, SENTENCE)
    labels = smollm2.token_strings(ids)
    assert labels == expected
    assert "有" in labels and "，" in labels and "。" in labels  # whole characters in one token
    assert has_split_characters(labels) and FFFD not in "".join(labels)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=cjk_text)
    def agree(text):
        ids, expected = offsets_oracle(smollm2.tokenizer, text)
        assert smollm2.token_strings(ids) == expected

    agree()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=any_text)
    def spells_back(text):
        ids = smollm2.tokenizer(text)["input_ids"]
        assert FFFD not in "".join(smollm2.token_strings(ids))
        # its vocabulary lacks 21 of the 256 bytes (e.g. 0xF1, which starts U+40000…U+7FFFF): those the model never reads
        if b"".join(smollm2.speller.token_bytes(i) for i in ids) == text.encode():
            assert smollm2.speller.text(ids) == text

    spells_back()


def test_a_candidate_next_token_is_labelled_as_the_end_of_the_character_begun_before_it(tiny):
    ids = tiny_tokenizer()("动")["input_ids"]
    assert tiny.label_after(ids[:2], [ids[2]]) == ["动³"]
    assert tiny.label_after(ids[:1], [ids[1]]) == ["‹8A›"]  # E5 8A: a character not finished yet
    assert tiny.labels(ids[:2]) == ["‹E5›", "‹8A›"] and tiny.text(ids[:2]) == "‹E5 8A›"  # the text shows one run of bytes
    assert has_split_characters(["‹8A›"]) and not has_split_characters([" the", "有"])


def test_special_tokens_newlines_and_spaces_keep_their_conventions(tiny):
    tok = tiny_tokenizer()
    ids = tok("The animal\n动")["input_ids"] + [tok.eos_token_id]
    labels = tiny.labels(ids)
    assert labels[-1] == "<|endoftext|>" and "↵" in labels and " an" in labels  # the leading space stays
    assert labels[-4:-1] == ["动¹", "动²", "动³"]
    assert render([Piece("x", part=2), Piece("\n")]) == "x²↵"


def test_a_sentencepiece_style_tokenizer_with_byte_fallback_is_spelled_too():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {f"<0x{b:02X}>": b for b in range(256)} | {"▁": 256, "a": 257, "▁a": 258, "<unk>": 259}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("▁", "a")], byte_fallback=True, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>")
    ids = hf("a动")["input_ids"]
    assert TokenSpeller(hf).labels(ids) == [" a", "动¹", "动²", "动³"]


@pytest.mark.slow
def test_captures_of_text_and_of_generated_ids_carry_the_labels_and_the_same_ids():
    _, model = tiny_llama_pair(0)
    cap = model.run_with_capture("它" + SENTENCE)
    ids = model.tokenizer("它" + SENTENCE)["input_ids"]
    assert cap.token_ids.tolist() == ids
    assert cap.tokens[:3] == ["它¹", "它²", "它³"] and FFFD not in "".join(cap.tokens)
    generated = ids[:5] + [model.tokenizer.eos_token_id, *ids[5:9]]  # a prompt cut inside a character, then more ids
    cap = model.run_tokens_with_capture(generated)
    assert cap.token_ids.tolist() == generated
    assert cap.tokens == model.speller.labels(generated) and FFFD not in "".join(cap.tokens)
    dong = "动".encode()  # E5 8A A8: the eos cuts it after two bytes, and its third byte is left alone after it
    assert cap.tokens[3:] == [f"‹{dong[0]:02X}›", f"‹{dong[1]:02X}›", "<|endoftext|>", f"‹{dong[2]:02X}›", "物¹", "物²", "物³"]


@pytest.mark.slow
def test_unknown_tokens_are_counted_for_minilm_and_never_for_a_byte_level_decoder(minilm, smollm2):
    ids = minilm.tokenizer(SENTENCE)["input_ids"]
    shown = minilm.token_strings(ids)
    assert minilm.unknown_count(ids) == shown.count("[UNK]") > len(SENTENCE) // 2
    assert minilm.unknown_count(minilm.tokenizer("The animal")["input_ids"]) == 0
    # SmolLM2 names <|endoftext|> as its unk token, but a byte-level model reads every text
    eos = smollm2.tokenizer("a<|endoftext|>")["input_ids"]
    assert smollm2.tokenizer.unk_token_id in eos and smollm2.unknown_count(eos) == 0


# --- the pages, driven like a user ---------------------------------------------------------


def unk_count(minilm) -> tuple[int, int]:
    shown = minilm.token_strings(minilm.tokenizer(SENTENCE)["input_ids"])
    return shown.count("[UNK]"), len(shown)


def chart(at, key: str) -> dict:
    import json

    return json.loads(at.get_by_key(key).proto.spec)


@pytest.mark.slow
def test_explorer_warns_about_unk_tokens_and_its_button_switches_to_the_model_that_reads_chinese(minilm, smollm2):
    from apptest_helpers import figures, new_app, shown_text

    from attnviz.plots.maps import token_labels

    n_unk, total = unk_count(minilm)
    at = new_app(text=SENTENCE).run()
    assert not at.exception and at.selectbox(key="model").value == "minilm"
    assert [w.value for w in at.warning if "[UNK]" in w.value] == [
        f"{n_unk} of the {total} tokens are [UNK]: all-MiniLM-L6-v2 (BERT encoder, 6 layers × 12 heads) has no entry for these characters"
        " in its vocabulary (most Chinese characters are missing), so it reads the same placeholder for each of them and their"
        " attention says nothing about the characters. SmolLM2-135M-Instruct (Llama decoder, 30 layers × 9 heads sharing 3 key/value"
        " heads) reads any text: it spells every character in bytes."
    ]
    at.button(key="unk_switch").click().run()
    assert not at.exception and at.selectbox(key="model").value == "smollm2"
    assert not [w for w in at.warning if "[UNK]" in w.value]
    ids, expected = offsets_oracle(smollm2.tokenizer, SENTENCE)
    ticks = figures(at)[0]["layout"]["xaxis"]["ticktext"]
    assert ticks == token_labels(expected) and FFFD not in "".join(ticks)
    assert "(奖¹ 奖²)" in shown_text(at)  # the part numbers are explained


@pytest.mark.slow
def test_rope_page_on_a_chinese_prompt_labels_positions_by_their_characters(smollm2):
    from apptest_helpers import new_app, shown_text

    _, expected = offsets_oracle(smollm2.tokenizer, SENTENCE)
    at = new_app().run().switch_page("pages/rope_gqa.py").run()
    at.text_area(key="dec_prompt").set_value(SENTENCE).run()
    assert not at.exception
    ticks = chart(at, "dec_angles_chart")["layout"]["yaxis"]["ticktext"]
    assert ticks == [f"{m} {label}" for m, label in enumerate(expected)]
    assert "(奖¹ 奖²)" in shown_text(at)


@pytest.mark.slow
def test_explorer_in_chinese_names_the_unk_tokens_in_chinese_and_labels_the_models_in_chinese(minilm):
    from apptest_helpers import new_app

    n_unk, total = unk_count(minilm)
    at = new_app(text=SENTENCE, lang="zh").run()
    assert not at.exception and at.title[0].value == "注意力探查器"
    warning = next(w.value for w in at.warning if "[UNK]" in w.value)
    assert warning.startswith(f"{total} 个 token 中有 {n_unk} 个是 [UNK]：all-MiniLM-L6-v2（BERT 编码器，6 层 × 12 个头）的词表里没有这些字符")
    assert at.button(key="unk_switch").label.startswith("改用 SmolLM2-135M-Instruct（Llama 解码器")
    assert at.selectbox(key="model").options == [
        "all-MiniLM-L6-v2（BERT 编码器，6 层 × 12 个头）",
        "SmolLM2-135M-Instruct（Llama 解码器，30 层 × 9 个头，共用 3 个键/值头）",
    ]
    at.selectbox(key="lang").set_value("en").run()  # the picker keeps its model across the switch, relabelled
    assert not at.exception and at.selectbox(key="model").value == "minilm"
    assert at.selectbox(key="model").options[0] == "all-MiniLM-L6-v2 (BERT encoder, 6 layers × 12 heads)"


@pytest.mark.slow
def test_step_by_step_warns_about_unk_tokens_and_opens_the_explorer_with_smollm2(minilm):
    from apptest_helpers import new_app

    n_unk, total = unk_count(minilm)
    at = new_app(text=SENTENCE).run()
    at = at.switch_page("pages/step_by_step.py").run()
    assert not at.exception
    assert any(w.value.startswith(f"{n_unk} of the {total} tokens are [UNK]") for w in at.warning)
    at.button(key="unk_open_explorer").click().run()
    assert not at.exception
    assert at.title[0].value == "Attention Explorer" and at.selectbox(key="model").value == "smollm2"
    assert at.text_area(key="sentence").value == SENTENCE


@pytest.mark.slow
def test_next_token_on_a_chinese_prompt_labels_every_token_and_candidate_by_its_characters(smollm2):
    from apptest_helpers import new_app, shown_text

    ids, expected = offsets_oracle(smollm2.tokenizer, SENTENCE)
    at = new_app().run().switch_page("pages/next_token.py").run()
    at.text_area(key="dec_prompt").set_value(SENTENCE).run()
    assert not at.exception
    assert at.selectbox(key="dec_position").options == [f"{i}: {label}" for i, label in enumerate(expected)]
    fig = chart(at, "dec_next_chart")
    assert FFFD not in fig["layout"]["title"]["text"] + "".join(fig["data"][0]["y"])
    assert "“。”" in fig["layout"]["title"]["text"]
    assert "(奖¹ 奖²)" in shown_text(at)  # the legend explains the part numbers
    at.selectbox(key="dec_position").set_value(0).run()  # after 动¹: the prompt goes on with 动²
    assert expected[:2] == ["动¹", "动²"]
    assert "The prompt continues with “动²”" in shown_text(at)
    top = int(smollm2.run_with_capture(SENTENCE).logits[0].argmax())
    first = chart(at, "dec_next_chart")["data"][0]["y"][0]
    assert first == f"“{smollm2.next_token_strings(ids[:1], [top])[0]}”" and FFFD not in first


@pytest.mark.slow
def test_generation_after_a_chinese_prompt_shows_no_replacement_characters(smollm2):
    from apptest_helpers import new_app

    _, expected = offsets_oracle(smollm2.tokenizer, SENTENCE)
    at = new_app(lang="zh").run().switch_page("pages/generation.py").run()
    at.text_area(key="dec_prompt").set_value(SENTENCE).run()
    for _ in range(4):
        at.button(key="dec_forward").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("第 4 步：最新的 token 是“") and FFFD not in at.success[0].value
    assert at.text[0].value.startswith(SENTENCE) and FFFD not in at.text[0].value
    ticks = chart(at, "dec_rows_chart")["layout"]["xaxis"]["ticktext"]
    assert len(ticks) == len(expected) + 4 and FFFD not in "".join(ticks)
    assert ticks[:2] == expected[:2] == ["动¹", "动²"]


# --- the Chinese names of the app shell -------------------------------------------------


def test_the_explorer_is_called_the_attention_probe_in_chinese():
    from attnviz.i18n import t

    assert t("page_explorer", "zh") == "注意力探查器"
