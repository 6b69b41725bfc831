"""The translator's training side: the date generator, the character tokenizer, the GRU models and the loop."""

from __future__ import annotations

import datetime

import pytest
import torch

from attnviz.model.rnn_seq2seq import RnnSeq2Seq, RnnSeq2SeqConfig
from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig
from attnviz.training import dates as D
from attnviz.training.char_vocab import BOS_ID, EOS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, build_tokenizer, save_tokenizer, target_ids
from attnviz.training.train import date_batches, exact_match, make_batch, seeded, train

NOV_30 = datetime.date(2026, 11, 30)

# ---------- the generator ----------

# Written out by hand (a Monday: `date` on the day this was written says "Mon Nov 30 2026").
EXPECTED_NOV_30 = {
    "d_month_yyyy": "30 November 2026",
    "d_mon_yyyy": "30 Nov 2026",
    "dth_month_yyyy": "30th November 2026",
    "the_dth_of_month_yyyy": "the 30th of November, 2026",
    "month_d_yyyy": "November 30, 2026",
    "month_dth_yyyy": "November 30th 2026",
    "mon_d_yy": "Nov 30, 26",
    "mon_d_yyyy": "Nov 30 2026",
    "weekday_d_month_yyyy": "Monday, 30 November 2026",
    "weekday_month_d_yyyy": "Monday, November 30, 2026",
    "mm/dd/yyyy": "11/30/2026",
    "m/d/yyyy": "11/30/2026",
    "dd.mm.yyyy": "30.11.2026",
    "dd-mm-yyyy": "30-11-2026",
    "dd-mm-yy": "30-11-26",
    "m/d/yy": "11/30/26",
    "yyyy/mm/dd": "2026/11/30",
    "zh_num": "二〇二六年十一月三十日",
    "zh_num_ling": "二零二六年十一月三十日",
    "zh_num_hao": "二〇二六年十一月三十号",
    "zh_digits": "2026年11月30日",
    "zh_digits_padded": "2026年11月30日",
    "zh_digits_hao": "2026年11月30号",
    "zh_digits_weekday": "2026年11月30日 星期一",
    "mon_dth_yyyy": "Nov 30th, 2026",
    "d-mon-yyyy": "30-Nov-2026",
    "dd.mm.yy": "30.11.26",
    "zh_num_ling_hao": "二零二六年十一月三十号",
}


def test_every_format_writes_30_november_2026_as_a_person_would():
    assert set(EXPECTED_NOV_30) == set(D.FORMATS)
    for fmt, text in EXPECTED_NOV_30.items():
        e = D.write(NOV_30, fmt)
        assert (e.source, e.target, e.date, e.format) == (text, "2026-11-30", NOV_30, fmt)


@pytest.mark.parametrize(
    "date, fmt, text",
    [
        (datetime.date(2000, 1, 1), "zh_num", "二〇〇〇年一月一日"),
        (datetime.date(1999, 12, 31), "zh_num_ling", "一九九九年十二月三十一日"),
        (datetime.date(2021, 10, 21), "zh_num", "二〇二一年十月二十一日"),
        (datetime.date(1950, 2, 20), "zh_num_hao", "一九五〇年二月二十号"),
        (datetime.date(2008, 8, 8), "zh_digits_weekday", "2008年8月8日 星期五"),
        (datetime.date(2000, 1, 1), "weekday_d_month_yyyy", "Saturday, 1 January 2000"),
        (datetime.date(2001, 9, 2), "the_dth_of_month_yyyy", "the 2nd of September, 2001"),
        (datetime.date(2003, 3, 3), "month_dth_yyyy", "March 3rd 2003"),
        (datetime.date(2011, 5, 11), "dth_month_yyyy", "11th May 2011"),
        (datetime.date(2012, 5, 12), "dth_month_yyyy", "12th May 2012"),
        (datetime.date(2013, 5, 13), "dth_month_yyyy", "13th May 2013"),
        (datetime.date(2022, 5, 22), "dth_month_yyyy", "22nd May 2022"),
        (datetime.date(2031, 5, 31), "dth_month_yyyy", "31st May 2031"),
        (datetime.date(1969, 7, 4), "m/d/yy", "7/4/69"),
        (datetime.date(2005, 7, 4), "zh_digits_padded", "2005年07月04日"),
    ],
)
def test_hand_written_cases(date, fmt, text):
    assert D.write(date, fmt).source == text


ZH_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}


def read_zh_number(text: str) -> int:
    """An independent reader of Chinese numerals up to 99: 十 = 10, 二十一 = 21, 三十 = 30, 十一 = 11."""
    if "十" not in text:
        assert len(text) == 1
        return ZH_VALUE[text]
    tens, _, ones = text.partition("十")
    return (ZH_VALUE[tens] if tens else 1) * 10 + (ZH_VALUE[ones] if ones else 0)


def read_zh_date(text: str) -> datetime.date:
    year, rest = text.split("年")
    month, rest = rest.split("月")
    day = rest.rstrip("日号")
    return datetime.date(int("".join(str(ZH_VALUE[c]) for c in year)), read_zh_number(month), read_zh_number(day))


@pytest.mark.parametrize("fmt", ["zh_num", "zh_num_ling", "zh_num_hao", "zh_num_ling_hao"])
def test_chinese_numerals_read_back_to_the_date_for_every_day_of_a_leap_year(fmt):
    for date in (d for d in D.all_dates() if d.year in (2000, 2019)):
        text = D.write(date, fmt).source
        assert read_zh_date(text) == date, text
        assert ("〇" in text, "零" in text) == (("0" in str(date.year)) and "ling" not in fmt, ("0" in str(date.year)) and "ling" in fmt)


def test_a_chinese_number_never_has_a_trailing_zero_or_a_leading_one_before_ten():
    written = {n: D.zh_number(n) for n in range(1, 32)}
    assert written[10] == "十" and written[11] == "十一" and written[20] == "二十" and written[30] == "三十" and written[31] == "三十一"
    assert not any(w.endswith("〇") or w.startswith("一十") for w in written.values())
    with pytest.raises(ValueError):
        D.zh_number(0)


def test_the_spans_mark_the_year_month_and_day_of_every_format():
    for date in (datetime.date(2026, 11, 30), datetime.date(1950, 1, 2), datetime.date(2003, 7, 31)):
        for fmt in D.FORMATS:
            e = D.write(date, fmt)
            part = {name: e.source[start:end] for name, start, end in e.spans}
            year, month, day = part["year"], part["month"], part["day"]
            assert year in (str(date.year), str(date.year)[2:]) or int("".join(str(ZH_VALUE[c]) for c in year)) == date.year, (fmt, year)
            assert month in (str(date.month), f"{date.month:02d}", D.MONTHS[date.month - 1], D.MONTHS[date.month - 1][:3]) or read_zh_number(month) == date.month, (fmt, month)
            assert day.removesuffix(day[-2:] if day[-2:] in ("st", "nd", "rd", "th") else "") in (str(date.day), f"{date.day:02d}") or read_zh_number(day) == date.day, (fmt, day)
            assert len(e.span("year")) == len(year) and e.source[e.span("year")[0]] == year[0]
    joined = D.join_examples([D.write(NOV_30, "zh_num"), D.write(NOV_30, "d_mon_yyyy")])
    assert [joined.source[i] for i in joined.span("year")] == list("二〇二六2026")
    assert [D.iso(NOV_30)[i] for i in D.target_span("month")] == ["1", "1"]


def test_every_source_string_names_one_date():
    """No two dates (in any formats) are written alike: e.g. slashes with a two-digit year are always month/day."""
    seen: dict[str, datetime.date] = {}
    for date in (d for d in D.all_dates() if d.year in (1950, 1999, 2000, 2026)):
        for fmt in D.FORMATS:
            text = D.write(date, fmt).source
            assert seen.setdefault(text, date) == date, (text, fmt)


def test_the_held_out_split_is_disjoint_from_training():
    train_dates, held_out_dates = D.split_dates()
    assert set(train_dates).isdisjoint(held_out_dates) and len(train_dates) + len(held_out_dates) == len(D.all_dates())
    assert all(D.is_held_out_date(d) for d in held_out_dates) and not any(D.is_held_out_date(d) for d in train_dates)
    assert datetime.date(2026, 11, 30) in held_out_dates and datetime.date(2025, 11, 30) in train_dates
    assert set(D.TRAIN_FORMATS).isdisjoint(D.HELD_OUT_FORMATS) and set(D.TRAIN_FORMATS) | set(D.HELD_OUT_FORMATS) == set(D.FORMATS)
    gen = D.DateGenerator(0)
    train_examples, held_out = gen.train(3000), gen.held_out(3000)
    assert all(e.format in D.TRAIN_FORMATS and not D.is_held_out_date(e.date) for e in train_examples)
    assert all(e.format in D.HELD_OUT_FORMATS or D.is_held_out_date(e.date) for e in held_out)
    assert {e.format for e in held_out} == set(D.FORMATS)  # every format is tested, the held-out ones too
    # a held-out format of a training date writes a string no training format writes for it
    for e in (e for e in held_out if not D.is_held_out_date(e.date)):
        assert e.source not in {D.write(e.date, fmt).source for fmt in D.TRAIN_FORMATS}
    assert {e.source for e in train_examples}.isdisjoint(e.source for e in held_out)


def test_the_generator_is_seeded():
    assert D.DateGenerator(5).train(50) == D.DateGenerator(5).train(50)
    assert D.DateGenerator(5).train(50) != D.DateGenerator(6).train(50)


def test_several_dates_join_into_one_pair():
    parts = [D.write(NOV_30, "d_mon_yyyy"), D.write(datetime.date(2026, 1, 5), "zh_digits")]
    assert D.join_examples(parts).source == "30 Nov 2026; 2026年1月5日"
    assert D.join_examples(parts).target == "2026-11-30 2026-01-05"
    multi = D.DateGenerator(1).multi(3)
    assert multi.source.count(";") == 2 and len(multi.target.split(" ")) == 3


# ---------- the tokenizer ----------


def test_every_character_the_generator_writes_is_in_the_vocabulary():
    tok = build_tokenizer()
    vocab = tok.get_vocab()
    chars = {c for d in D.all_dates()[::97] for fmt in D.FORMATS for c in D.write(d, fmt).source + D.iso(d)}
    chars |= set("; ")
    assert chars <= set(vocab), chars - set(vocab)
    assert set("星期一二三四五六日号〇零十年月") <= set(vocab)


def test_the_tokenizer_has_one_token_per_character_and_round_trips():
    tok = build_tokenizer()
    assert [tok.token_to_id(t) for t in ("<pad>", "<s>", "</s>", "<unk>")] == [PAD_ID, BOS_ID, EOS_ID, UNK_ID] == [0, 1, 2, 3]
    for text in ("the 30th of November, 2026", "二〇二六年十一月三十日", "Nov  30"):
        ids = tok.encode(text).ids
        assert len(ids) == len(text) + 1 and ids[-1] == EOS_ID and UNK_ID not in ids
        assert tok.decode(ids) == text
    assert tok.encode("30 Nov ☃").ids[-2] == UNK_ID
    assert target_ids(tok, "2026") == ([BOS_ID, *tok.encode("2026", add_special_tokens=False).ids], [*tok.encode("2026", add_special_tokens=False).ids, EOS_ID])


def test_the_saved_tokenizer_loads_in_transformers_with_the_same_ids(tmp_path):
    from transformers import PreTrainedTokenizerFast

    tok = build_tokenizer()
    hf = PreTrainedTokenizerFast(tokenizer_file=str(save_tokenizer(tok, tmp_path)), **SPECIAL_TOKENS)
    text = "Monday, 30 November 2026"
    assert hf(text).input_ids == tok.encode(text).ids
    assert (hf.pad_token_id, hf.bos_token_id, hf.eos_token_id, hf.unk_token_id) == (0, 1, 2, 3)
    assert hf.decode(hf(text).input_ids, skip_special_tokens=True) == text


# ---------- the GRU models ----------


def tiny_rnn(attention: bool, seed: int = 0) -> RnnSeq2Seq:
    with seeded(seed):
        return RnnSeq2Seq(RnnSeq2SeqConfig(d_vocab=build_tokenizer().get_vocab_size(), attention=attention, d_embed=16, d_hidden=24, d_attn=16))


def test_bahdanau_attention_rows_are_distributions_over_real_source_tokens_only():
    tok = build_tokenizer()
    batch = make_batch(tok, D.DateGenerator(0).train(6))
    logits, alpha = tiny_rnn(True).run(batch.src_ids, batch.tgt_in, batch.src_mask)
    assert logits.shape == (*batch.tgt_in.shape, tok.get_vocab_size())
    assert alpha.shape == (*batch.tgt_in.shape, batch.src_ids.shape[1])
    torch.testing.assert_close(alpha.sum(-1), torch.ones(alpha.shape[:2]))
    assert bool((alpha.masked_select(~batch.src_mask[:, None].expand_as(alpha)) == 0).all())
    assert tiny_rnn(False).run(batch.src_ids, batch.tgt_in, batch.src_mask)[1] is None


def test_bahdanau_scores_follow_equation_6():
    """e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j), written out here for one query state."""
    net = tiny_rnn(True)
    state, annotations = torch.randn(2, 24), torch.randn(2, 5, 48)
    mask = torch.tensor([[True] * 5, [True, True, True, False, False]])
    context, alpha = net.attend(state, net.U_a(annotations), annotations, mask)
    W_a, U_a, b_U, v_a = net.W_a.weight, net.U_a.weight, net.U_a.bias, net.v_a.weight[0]
    e = torch.stack([torch.stack([v_a @ torch.tanh(W_a @ state[b] + U_a @ annotations[b, j] + b_U) for j in range(5)]) for b in range(2)])
    e[1, 3:] = -torch.inf
    torch.testing.assert_close(alpha, torch.softmax(e, -1))
    torch.testing.assert_close(context, (alpha[..., None] * annotations).sum(1))


def test_padding_does_not_change_a_gru_translation():
    tok = build_tokenizer()
    net = tiny_rnn(True)
    short, long = D.write(NOV_30, "mm/dd/yyyy"), D.write(NOV_30, "the_dth_of_month_yyyy")
    alone = make_batch(tok, [short])
    padded = make_batch(tok, [short, long])
    assert padded.src_ids.shape[1] > alone.src_ids.shape[1]
    torch.testing.assert_close(net(alone.src_ids, alone.tgt_in, alone.src_mask)[0], net(padded.src_ids, padded.tgt_in, padded.src_mask)[0])
    ids, alpha = net.greedy(padded.src_ids, padded.src_mask, max_len=5)
    assert ids.shape == (2, 5) and alpha.shape == (2, 5, padded.src_ids.shape[1])


# ---------- the loop ----------


def tiny_transformer(seed: int = 0) -> EncoderDecoder:
    cfg = Seq2SeqConfig(d_vocab=build_tokenizer().get_vocab_size(), d_model=32, n_heads=2, d_head=16, d_mlp=64, n_encoder_layers=1, n_decoder_layers=1, max_positions=64)
    with seeded(seed):
        return EncoderDecoder(cfg)


@pytest.mark.parametrize("make", [tiny_transformer, lambda: tiny_rnn(False), lambda: tiny_rnn(True)], ids=["transformer", "gru", "gru+attention"])
def test_a_short_run_lowers_the_loss(make):
    tok = build_tokenizer()
    net = make()
    result = train(net, date_batches(tok, 0, 16), steps=40, lr=3e-3, warmup=5, threads=1)
    assert result.steps == 40 and not result.cancelled
    assert sum(result.losses[-5:]) / 5 < 0.6 * result.losses[0]
    assert result.accuracies[-1] > result.accuracies[0]


def test_training_is_deterministic_and_reports_progress_snapshots_and_cancels():
    tok = build_tokenizer()
    seen, shots = [], []
    a, b = tiny_transformer(), tiny_transformer()
    train(a, date_batches(tok, 3, 8), steps=6, progress=lambda s, loss, acc: seen.append((s, loss, acc)), snapshot=lambda s, net: shots.append((s, net.training, torch.is_grad_enabled())), snapshot_every=4)
    train(b, date_batches(tok, 3, 8), steps=6)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert [s for s, _, _ in seen] == [1, 2, 3, 4, 5, 6] and all(0 <= acc <= 1 for _, _, acc in seen)
    assert shots == [(0, False, False), (4, False, False), (6, False, False)]  # before training, every 4 steps, at the end; eval, no grad
    threads_before, seen_threads = torch.get_num_threads(), []
    train(tiny_transformer(), date_batches(tok, 3, 8), steps=2, threads=1, progress=lambda *args: seen_threads.append(torch.get_num_threads()))
    assert seen_threads == [1, 1] and torch.get_num_threads() == threads_before  # one thread while training, restored after
    calls = []
    result = train(tiny_transformer(), date_batches(tok, 3, 8), steps=50, should_stop=lambda: len(calls) >= 3, progress=lambda *args: calls.append(args))
    assert result.cancelled and result.steps == 3 and len(result.losses) == 3


def test_an_untrained_model_translates_nothing_and_a_wrong_step_count_is_refused():
    tok = build_tokenizer()
    assert exact_match(tiny_transformer(), tok, D.DateGenerator(0).held_out(20), max_len=12) == 0
    with pytest.raises(ValueError, match="steps"):
        train(tiny_transformer(), date_batches(tok, 0, 4), steps=0)
