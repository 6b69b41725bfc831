"""Needle in a haystack (attnviz.analysis.retrieval): the haystack, the needle's tokens, the retrieval score of Wu et al. 2024."""

from __future__ import annotations

import pytest
import torch
from decoder_helpers import tiny_llama_pair, tiny_tokenizer

from attnviz.analysis import retrieval
from attnviz.errors import HaystackError


def words(text: str) -> int:
    """A stand-in tokenizer: one token per word."""
    return len(text.split())


# --- the haystack -----------------------------------------------------------------------


def test_haystack_plants_the_needle_once_at_its_depth_and_ends_with_the_question():
    needle, question = "The green gate opens at 4419.", "When does the green gate open?"
    first = retrieval.make_haystack(400, needle, question, depth=0.0, count_tokens=words)
    middle = retrieval.make_haystack(400, needle, question, depth=0.5, count_tokens=words)
    last = retrieval.make_haystack(400, needle, question, depth=1.0, count_tokens=words)
    for hay in (first, middle, last):
        start, end = hay.needle_span
        assert hay.text[start:end] == needle
        assert hay.text.count(needle) == 1
        assert hay.text.endswith("\n\n" + question)
    assert first.needle_span[0] == 0
    assert last.text[last.needle_span[1] :] == "\n\n" + question
    before = middle.text[: middle.needle_span[0]]
    assert sum(before.count(s) for s in retrieval.FILLER) == round(0.5 * middle.n_sentences)


def test_haystack_fills_the_target_without_passing_it():
    for target in (60, 400, 3000):
        hay = retrieval.make_haystack(target, count_tokens=words)
        assert target - 20 < words(hay.text) <= target  # the next filler sentence (< 20 words) would not fit


def test_haystack_is_deterministic_and_the_seed_changes_it():
    a = retrieval.make_haystack(300, seed=1)
    assert a == retrieval.make_haystack(300, seed=1)
    assert a.text != retrieval.make_haystack(300, seed=2).text


def test_haystack_uses_every_filler_sentence_before_repeating_one():
    hay = retrieval.make_haystack(600, count_tokens=words)
    first_round = hay.text.replace(retrieval.DEFAULT_NEEDLE, "").split(". ")[: len(retrieval.FILLER)]
    assert hay.n_sentences > len(retrieval.FILLER)
    assert len(set(first_round)) == len(retrieval.FILLER)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"needle": "  "}, "needle_err_empty_needle"),
        ({"question": ""}, "needle_err_empty_question"),
        ({"depth": 1.5}, "needle_err_depth"),
        ({"n_tokens": 5}, "needle_err_too_short"),
    ],
)
def test_haystack_refuses_bad_input_with_a_translated_reason(kwargs, key):
    with pytest.raises(HaystackError) as info:
        retrieval.make_haystack(**{"n_tokens": 200, **kwargs})
    assert info.value.params["problem"].key == key
    assert "haystack" in str(info.value) and "大海捞针" in info.value.message("zh")


def test_token_span_covers_exactly_the_tokens_overlapping_the_characters():
    offsets = [(0, 0), (0, 3), (3, 7), (7, 8), (8, 12), (0, 0)]  # a special token at each end
    assert retrieval.token_span(offsets, (3, 8)) == range(2, 4)
    assert retrieval.token_span(offsets, (5, 9)) == range(2, 5)
    with pytest.raises(HaystackError):
        retrieval.token_span(offsets, (20, 30))


def test_needle_prompt_finds_the_needle_tokens_without_a_chat_template():
    tok = tiny_tokenizer()  # no chat template: the haystack is the prompt
    prompt = retrieval.needle_prompt(tok, 300, "The quick brown fox is 42.", "What is the fox?", depth=0.3)
    assert prompt.text == prompt.haystack.text
    assert list(prompt.ids) == tok(prompt.text)["input_ids"]
    assert tok.decode(list(prompt.ids[prompt.needle.start : prompt.needle.stop])).strip() == "The quick brown fox is 42."
    assert len(prompt.ids) <= 300 - retrieval.MAX_ANSWER_TOKENS


def test_needle_number_is_the_last_number_in_digits():
    assert retrieval.needle_number(retrieval.DEFAULT_NEEDLE) == "734182"
    assert retrieval.needle_number("Room 12 holds 3 chairs.") == "3"
    assert retrieval.needle_number("No digits here.") is None


# --- the retrieval score on hand-made captures --------------------------------------------


class RecordingPattern:
    """A capture's ``pattern`` that records every index asked for."""

    def __init__(self, full: torch.Tensor):
        self.full, self.asked = full, []

    def __getitem__(self, index):
        self.asked.append(index)
        return self.full[index]


class HandCapture:
    """What ``retrieval_scores`` reads of a capture: token ids, the counts, a pattern."""

    def __init__(self, token_ids: list[int], pattern: torch.Tensor):
        self.token_ids = torch.tensor(token_ids)
        self.n_layers, self.n_heads, self.n_tokens, _ = pattern.shape
        self.pattern = RecordingPattern(pattern)


NEEDLE_IDS = [10, 11, 12, 13]
# positions: 0-1 filler, 2-5 the needle, 6 a question repeating token 11, 7 the prompt's end, 8-11 the answer
TOKENS = [1, 2, *NEEDLE_IDS, 11, 3, *NEEDLE_IDS]
NEEDLE, ANSWER = range(2, 6), range(8, 12)


def hand_capture(argmax: dict[tuple[int, int], list[int]]) -> HandCapture:
    """A 2-layer, 3-head capture whose answer queries (7, 8, 9, 10) attend most to the given keys; other heads to key 0."""
    n = len(TOKENS)
    pattern = torch.full((2, 3, n, n), 0.01)
    pattern[..., 0] = 0.5
    for (layer, head), keys in argmax.items():
        for query, key in zip([p - 1 for p in ANSWER], keys, strict=True):
            pattern[layer, head, query] = 0.01
            pattern[layer, head, query, key] = 0.9
    return HandCapture(TOKENS, pattern)


def test_a_head_that_copies_every_needle_token_scores_one_and_the_others_zero():
    cap = hand_capture({(1, 2): [2, 3, 4, 5]})  # writing 10, 11, 12, 13 it looks at 10, 11, 12, 13 in the needle
    scores = retrieval.retrieval_scores(cap, NEEDLE, ANSWER)
    expected = torch.zeros(2, 3)
    expected[1, 2] = 1.0
    torch.testing.assert_close(scores, expected)


def test_only_argmax_keys_inside_the_needle_holding_the_written_token_count():
    cap = hand_capture(
        {
            (0, 0): [2, 6, 4, 4],  # 10 ✓; 11 from the question (outside the needle) ✗; 12 ✓; 13 written while looking at 12 ✗
            (0, 1): [3, 2, 5, 4],  # inside the needle but never the token being written
            (1, 0): [2, 2, 4, 5],  # 10 ✓, then 11 written while looking at 10 ✗, 12 ✓, 13 ✓
        }
    )
    scores = retrieval.retrieval_scores(cap, NEEDLE, ANSWER)
    assert scores[0, 0] == pytest.approx(2 / 4)
    assert scores[0, 1] == 0
    assert scores[1, 0] == pytest.approx(3 / 4)


def test_a_needle_position_copied_twice_counts_once():
    tokens = [1, 2, 10, 11, 12, 13, 11, 3, 10, 10, 10, 10]
    n = len(tokens)
    pattern = torch.full((1, 1, n, n), 0.01)
    pattern[0, 0, 7:11, 2] = 0.9  # four times it copies the 10 at position 2
    scores = retrieval.retrieval_scores(HandCapture(tokens, pattern), NEEDLE, ANSWER)
    assert scores[0, 0] == pytest.approx(1 / 4)


def test_scores_read_only_the_answer_query_rows():
    cap = hand_capture({(1, 2): [2, 3, 4, 5]})
    retrieval.retrieval_scores(cap, NEEDLE, ANSWER)
    assert len(cap.pattern.asked) == cap.n_layers  # one layer at a time
    for layer, index in enumerate(cap.pattern.asked):
        assert index[0] == layer
        assert list(index[2]) == [7, 8, 9, 10]  # the queries that predicted the answer, never every row


@pytest.mark.parametrize(
    ("needle", "answer"),
    [(range(0), ANSWER), (range(2, 40), ANSWER), (NEEDLE, []), (NEEDLE, [0]), (NEEDLE, [12])],
)
def test_scores_refuse_spans_outside_the_capture(needle, answer):
    with pytest.raises(HaystackError):
        retrieval.retrieval_scores(hand_capture({}), needle, answer)


def test_top_heads_are_the_copying_heads_best_first():
    scores = torch.tensor([[0.0, 0.5, 0.25], [0.5, 0.0, 1.0]])
    assert retrieval.top_heads(scores, 10) == [(1, 2, 1.0), (0, 1, 0.5), (1, 0, 0.5), (0, 2, 0.25)]
    assert retrieval.top_heads(scores, 2) == [(1, 2, 1.0), (0, 1, 0.5)]
    assert retrieval.top_heads(torch.zeros(2, 2), 3) == []


# --- on a real (tiny, random) decoder's capture ---------------------------------------------


def test_scores_on_a_tiny_llama_equal_the_definition_on_the_whole_pattern():
    _, model = tiny_llama_pair(3, n_heads=4, n_kv_heads=2, n_layers=2)
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.d_vocab, (40,), generator=gen).tolist()
    needle = range(10, 20)
    answer = range(32, 40)
    ids[32:40] = ids[11:19]  # the "answer" repeats needle tokens, so some heads may copy
    cap = model.run_tokens_with_capture(ids)
    scores = retrieval.retrieval_scores(cap, needle, answer)
    full = cap.pattern[:, :, :, :]  # every head's whole pattern: affordable at 40 tokens
    for layer in range(cap.n_layers):
        for head in range(cap.n_heads):
            copied = set()
            for p in answer:
                j = int(full[layer, head, p - 1].argmax())
                if j in needle and ids[j] == ids[p]:
                    copied.add(j)
            assert scores[layer, head] == pytest.approx(len(copied) / len(needle))
    assert ((scores >= 0) & (scores <= 1)).all()


# --- the search: answer, then score ----------------------------------------------------------


class ScriptedCapture:
    """A decoder's capture whose last logits choose a scripted token, and whose head (0, 1) attends
    from each query to the needle position holding the token after it."""

    def __init__(self, ids: list[int], script: list[int], prompt_len: int, needle: range, vocab: int = 32):
        n = len(ids)
        self.token_ids, self.n_layers, self.n_heads, self.n_tokens = torch.tensor(ids), 1, 2, n
        step = n - prompt_len
        self.logits = torch.zeros(n, vocab)
        self.logits[-1, script[min(step, len(script) - 1)]] = 1.0
        pattern = torch.full((1, 2, n, n), 1.0 / n)
        pattern[0, :, :, 0] = 2.0 / n  # both heads look at the first token by default
        for q in range(n - 1):
            keys = [j for j in needle if ids[j] == ids[q + 1]]
            if keys:
                pattern[0, 1, q, keys[0]] = 0.9
        self.pattern = pattern


def test_search_answers_until_the_stop_token_and_scores_its_own_answer():
    prompt = [5, 6, 20, 21, 22, 7, 8]
    needle, stop = range(2, 5), 31
    calls, progress = [], []

    def capture_tokens(ids):
        calls.append(tuple(ids))
        return ScriptedCapture(list(ids), [20, 21, 22, stop], len(prompt), needle)

    result = retrieval.search(capture_tokens, prompt, needle, {stop}, max_new=6, on_step=lambda done, total: progress.append((done, total)))
    assert result.answer_ids == (20, 21, 22)
    torch.testing.assert_close(result.scores, torch.tensor([[0.0, 1.0]]))
    assert result.heads == [(0, 1, 1.0)]
    assert result.rows.shape == (1, 3, len(prompt) + 3)  # the top head's three answer queries over every key
    assert [int(result.rows[0, i].argmax()) for i in range(3)] == [2, 3, 4]
    assert calls[-1] == tuple(prompt + [20, 21, 22])  # the scored capture: prompt + answer, no stop token
    assert len(calls) == 4 + 1  # three tokens and the stop chosen, then the scored capture (cached in the app)
    assert progress[-1] == (6, 7) and all(total == 7 for _, total in progress)


def test_search_without_an_answer_is_an_error():
    prompt = [5, 6, 20, 21, 22, 7, 8]
    with pytest.raises(HaystackError) as info:
        retrieval.search(lambda ids: ScriptedCapture(list(ids), [31], len(prompt), range(2, 5)), prompt, range(2, 5), {31})
    assert info.value.params["problem"].key == "needle_err_no_answer"


# --- the bundled instruct model -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("n_tokens", [300, 832, 1024, 1644])
def test_smollm2_prompt_leaves_room_for_the_answer(smollm2, n_tokens):
    """832 tokens: the sentences counted one by one came to 822 prompt tokens together, 2 over (seen in the app)."""
    prompt = retrieval.needle_prompt(smollm2.tokenizer, n_tokens, retrieval.DEFAULT_NEEDLE, retrieval.DEFAULT_QUESTION, depth=0.5)
    assert n_tokens - 40 < len(prompt.ids) <= n_tokens - retrieval.MAX_ANSWER_TOKENS



@pytest.mark.slow
def test_smollm2_finds_the_needle_and_a_head_retrieves_it(smollm2):
    prompt = retrieval.needle_prompt(smollm2.tokenizer, 300, retrieval.DEFAULT_NEEDLE, retrieval.DEFAULT_QUESTION, depth=0.5)
    assert len(prompt.ids) <= 300 - retrieval.MAX_ANSWER_TOKENS
    assert smollm2.tokenizer.decode(list(prompt.ids[prompt.needle.start : prompt.needle.stop])).strip() == retrieval.DEFAULT_NEEDLE
    memo = {}

    def capture_tokens(ids):
        if tuple(ids) not in memo:
            memo[tuple(ids)] = smollm2.run_tokens_with_capture(ids)
        return memo[tuple(ids)]

    result = retrieval.search(capture_tokens, prompt.ids, prompt.needle, {smollm2.tokenizer.eos_token_id})
    answer = smollm2.tokenizer.decode(list(result.answer_ids))
    assert retrieval.needle_number(retrieval.DEFAULT_NEEDLE) in answer
    assert result.scores.shape == (30, 9)
    assert float(result.scores.max()) > 0.5
    assert ((result.scores >= 0) & (result.scores <= 1)).all()
