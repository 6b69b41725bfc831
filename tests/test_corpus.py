"""Corpus capture (attnviz.corpus, the attnviz command): reading corpora, the rows, shards, manifest, resuming, errors.

The model is a tiny seeded random BERT (or Llama) saved as a local Hugging Face folder, so
every test runs in seconds; the rows are checked against independent computations: each
text run alone (``head_metrics.probe_scores`` with the text, ``run_with_capture``).
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

import attnviz
from attnviz import cli
from attnviz.analysis import head_metrics
from attnviz.corpus import Settings, capture_corpus, reader, rows, shards
from attnviz.errors import BadRowError, ConfigError, CorpusError, CorpusOutputError, UnknownModelError

TEXTS = [
    "The cat sat on the mat. The cat sat on the mat.",
    "Attention is all you need.",
    "A head that looks at the previous token, and one that looks at the first.",
    "Keys, queries and values.",
    "the the the the",
    "Once upon a time a small model read a corpus.",
    "Grouped query attention shares keys.",
]


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory):
    from bert_helpers import tiny_bert_pair

    hf, ours = tiny_bert_pair(11, n_layers=2, n_heads=3, max_positions=40)
    folder = tmp_path_factory.mktemp("models") / "tiny-bert"
    hf.save_pretrained(folder)
    ours.tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def bert(bert_folder):
    return attnviz.load_model(bert_folder, device="cpu")


def write_lines(path, lines: list[bytes]) -> str:
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return str(path)


def read_rows(out) -> pa.Table:
    return pa.concat_tables(pq.read_table(path) for path in sorted(out.glob("shard-*.parquet")))


def folder_bytes(out) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


# --- reading corpora --------------------------------------------------------------------


def test_a_text_corpus_names_each_bad_line_and_keeps_the_indices(tmp_path):
    path = write_lines(tmp_path / "c.txt", [b"first", b"", b"   ", b"caf\xc3\xa9 ok\r", b"\xff\xfebad", b"last"])
    scan = reader.scan(path, shard_size=4)
    assert scan.texts == 6 and scan.bad_rows == 3
    assert [(r.index, str(where)) for r, where in scan.bad_examples] == [(1, "line 2"), (2, "line 3"), (4, "line 5")]
    assert "UTF-8" in str(scan.bad_examples[2][0].problem)
    records = [r for s in scan.shards for r in reader.read_shard(path, scan.kind, s)]
    assert [r.index for r in records] == list(range(6))
    assert records[3].text == "café ok"  # the CRLF's \r goes with the line end
    assert [(s.start, s.stop) for s in scan.shards] == [(0, 4), (4, 6)]


def test_a_jsonl_corpus_names_a_missing_text_column_bad_json_and_lone_surrogates(tmp_path):
    lines = [b'{"text": "good one"}', b'{"title": "no text"}', b"{not json", b'{"text": 7}', b'{"text": "\\ud800 alone"}', b'{"text": ""}', b'["text"]']
    path = write_lines(tmp_path / "c.jsonl", lines)
    scan = reader.scan(path, shard_size=10)
    problems = {r.index: str(r.problem) for r, _ in scan.bad_examples}
    assert sorted(problems) == [1, 2, 3, 4, 5, 6]
    assert "text field" in problems[1] and "text column" in problems[1]
    assert "JSON" in problems[2] and "int" in problems[3] and "surrogate" in problems[4] and "empty" in problems[5]


def test_a_parquet_corpus_reads_its_text_column_row_groups_and_null_rows(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": list(range(7)), "text": ["a b", None, "c d", "e", "", "f", "g"]}), path, row_group_size=3)
    scan = reader.scan(str(path), shard_size=2)
    assert scan.texts == 7 and [(r.index, str(w)) for r, w in scan.bad_examples] == [(1, "row 1"), (4, "row 4")]
    shard = scan.shards[2]  # rows 4, 5: across a row-group boundary
    assert [(r.index, r.text) for r in reader.read_shard(str(path), "parquet", shard)] == [(4, None), (5, "f")]


def test_whole_corpus_problems_are_one_clear_error(tmp_path):
    no_column = tmp_path / "n.parquet"
    pq.write_table(pa.table({"body": ["x"]}), no_column)
    with pytest.raises(CorpusError, match="no column named text.*body"):
        reader.scan(str(no_column), 10)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CorpusError, match="holds no text"):
        reader.scan(str(empty), 10)
    with pytest.raises(CorpusError, match="there is no file"):
        reader.scan(str(tmp_path / "missing.txt"), 10)
    assert "无法读取语料" in CorpusError(problem=reader.Text("corpus_empty", path="x")).message("zh")


# --- the rows ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_rows_are_each_text_run_alone(bert, bert_folder, tmp_path):
    corpus = write_lines(tmp_path / "c.txt", [t.encode() for t in TEXTS])
    settings = Settings(batch_size=3, top_k=4, threshold=0.05, shard_size=4)
    manifest = capture_corpus(corpus, bert_folder, str(tmp_path / "out"), settings)
    table = read_rows(tmp_path / "out")
    n_layers, n_heads = bert.config.n_layers, bert.config.n_heads
    assert manifest["rows_written"] == table.num_rows == len(TEXTS) * n_layers * n_heads
    keys = list(zip(*(table.column(c).to_pylist() for c in ("text_index", "layer", "head")), strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    alone = head_metrics.probe_scores(bert, TEXTS)  # every text on its own, the head finder's code
    records = table.to_pylist()
    for name in head_metrics.metric_names(False):
        expected = alone.per_input(name)  # [text, layer, head]
        got = torch.tensor([float("nan") if r[name] is None else r[name] for r in records]).view(len(TEXTS), n_layers, n_heads)
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-5, equal_nan=True)
    for row in records[:: n_heads + 1]:
        cap = bert.run_with_capture(TEXTS[row["text_index"]])
        pattern = cap.pattern[row["layer"], row["head"]]
        assert row["tokens"] == cap.tokens and row["token_ids"] == cap.token_ids.tolist() and row["n_tokens"] == cap.n_tokens
        kept = {(q, k) for q in range(cap.n_tokens) for k in pattern[q].topk(4).indices.tolist() if pattern[q, k] >= 0.05}
        assert set(zip(row["query"], row["key"], strict=True)) == kept
        torch.testing.assert_close(torch.tensor(row["weight"]), pattern[row["query"], row["key"]], rtol=0, atol=1e-5)


def test_a_decoder_corpus_has_no_cls_sep_columns_and_matches_each_text_alone(tmp_path):
    from decoder_helpers import tiny_llama_pair, tiny_tokenizer

    hf, _ = tiny_llama_pair(3, n_heads=4, n_kv_heads=2)
    folder = tmp_path / "tiny-llama"
    hf.save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    texts = ["The quick brown fox jumps over the lazy dog.", "Attention is all you need.", "Keys and values"]
    corpus = write_lines(tmp_path / "c.txt", [t.encode() for t in texts])
    capture_corpus(corpus, str(folder), str(tmp_path / "out"), Settings(batch_size=3))
    table = read_rows(tmp_path / "out")
    assert "cls" not in table.column_names and "induction" in table.column_names
    model = attnviz.load_model(str(folder), device="cpu")
    expected = head_metrics.probe_scores(model, texts).per_input("previous_token")
    got = torch.tensor(table.column("previous_token").to_pylist()).view(3, model.config.n_layers, model.config.n_heads)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-5)


def test_a_long_text_is_cut_to_max_tokens_and_counted(bert, bert_folder, tmp_path):
    corpus = write_lines(tmp_path / "c.txt", [TEXTS[2].encode(), b"short"])
    manifest = capture_corpus(corpus, bert_folder, str(tmp_path / "out"), Settings(max_tokens=6, batch_size=2))
    first = read_rows(tmp_path / "out").to_pylist()[0]
    full = len(bert.tokenize(TEXTS[2])[0]["input_ids"][0])
    assert first["n_tokens"] == 6 and first["n_truncated"] == full - 6 and max(first["query"]) == 5
    assert manifest["truncated_texts"] == 1


def test_run_batch_with_capture_cuts_each_text_to_max_tokens(bert):
    short, long = bert.run_batch_with_capture(["a b", TEXTS[2]], max_tokens=5)
    assert long.n_tokens == 5 and long.n_truncated > 0 and short.n_truncated == 0


# --- the output folder ------------------------------------------------------------------


@pytest.mark.slow
def test_two_runs_write_identical_files_and_a_rerun_only_redoes_missing_shards(bert_folder, tmp_path, monkeypatch):
    corpus = write_lines(tmp_path / "c.txt", [t.encode() for t in TEXTS] + [b""])
    settings = Settings(batch_size=2, shard_size=3)
    first, second = tmp_path / "a", tmp_path / "b"
    capture_corpus(corpus, bert_folder, str(first), settings)
    capture_corpus(corpus, bert_folder, str(second), settings)
    assert folder_bytes(first) == folder_bytes(second)
    assert sorted(folder_bytes(first)) == ["manifest.json", "shard-000000.parquet", "shard-000001.parquet", "shard-000002.parquet"]
    assert shards.shard_summary(first / "shard-000002.parquet") == {"rows": 6, "shard": 2, "start": 6, "stop": 8, "texts": 1, "truncated": 0}

    (second / "shard-000001.parquet").unlink()  # as if killed while writing shard 1
    (second / ".shard-000001.parquet.tmp").write_bytes(b"half a file")
    written = []
    real = shards.write_shard
    monkeypatch.setattr("attnviz.corpus.pipeline.write_shard", lambda model, corpus, kind, shard, *a: written.append(shard.number) or real(model, corpus, kind, shard, *a))
    starts = []
    capture_corpus(corpus, bert_folder, str(second), settings, on_start=lambda total, done: starts.append((total, done)))
    assert written == [1] and starts == [(8, 5)]
    assert folder_bytes(first) == folder_bytes(second)


def test_a_killed_run_leaves_no_complete_looking_shard_and_the_manifest_says_so(bert_folder, tmp_path, monkeypatch):
    corpus = write_lines(tmp_path / "c.txt", [t.encode() for t in TEXTS])
    settings = Settings(batch_size=2, shard_size=3)
    out = tmp_path / "out"

    calls = []

    def dies_in_shard_1(*args):  # shard 0 is two batches; the third batch is shard 1's first
        calls.append(args)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return rows.batch_rows(*args)

    monkeypatch.setattr(shards, "batch_rows", dies_in_shard_1)
    with pytest.raises(KeyboardInterrupt):
        capture_corpus(corpus, bert_folder, str(out), settings)
    names = sorted(p.name for p in out.iterdir())
    assert names == [".shard-000001.parquet.tmp", "manifest.json", "shard-000000.parquet"]
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    monkeypatch.undo()
    manifest = capture_corpus(corpus, bert_folder, str(out), settings)
    assert manifest["complete"] and manifest["rows_written"] == len(TEXTS) * 2 * 3
    assert not list(out.glob(".*.tmp"))


def test_an_output_folder_of_another_run_is_refused(bert_folder, tmp_path):
    corpus = write_lines(tmp_path / "c.txt", [b"one text", b"two texts"])
    capture_corpus(corpus, bert_folder, str(tmp_path / "out"), Settings(top_k=3))
    with pytest.raises(CorpusOutputError, match="another run.*arguments"):
        capture_corpus(corpus, bert_folder, str(tmp_path / "out"), Settings(top_k=4))
    with pytest.raises(ConfigError, match="batch_size"):
        capture_corpus(corpus, bert_folder, str(tmp_path / "other"), Settings(batch_size=0))


def test_bad_rows_are_skipped_and_counted_or_stop_the_run_with_strict(bert_folder, tmp_path):
    corpus = write_lines(tmp_path / "c.txt", [b"good text", b"", b"\xc3(", b"another good text"])
    seen = []
    manifest = capture_corpus(corpus, bert_folder, str(tmp_path / "out"), on_bad=lambda record, where: seen.append(str(where)))
    assert seen == ["line 2", "line 3"] and manifest["bad_rows"] == 2 and manifest["texts_captured"] == 2
    assert [e["where"] for e in manifest["bad_row_examples"]] == ["line 2", "line 3"]
    assert sorted(set(read_rows(tmp_path / "out").column("text_index").to_pylist())) == [0, 3]
    with pytest.raises(BadRowError, match="line 2: the text is empty"):
        capture_corpus(corpus, bert_folder, str(tmp_path / "strict"), strict=True)


# --- the command ------------------------------------------------------------------------


def test_the_command_writes_the_output_and_says_so(bert_folder, tmp_path, capsys):
    corpus = write_lines(tmp_path / "c.txt", [b"one text", b"", b"two texts"])
    status = cli.main(["capture", corpus, "--model", bert_folder, "--out", str(tmp_path / "out"), "--batch-size", "2", "--top-k", "3"])
    out, err = capsys.readouterr()
    assert status == 0
    assert "12 rows of 2 texts written" in out and "1 bad rows skipped" in out
    assert "skipped line 2: the text is empty" in err and "texts/s" in err  # tqdm's rate
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["run"]["arguments"]["top_k"] == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "no-such-model"], "Unknown model 'no-such-model'"),
        (["--model", "minilm", "--strict"], "line 2: the text is empty"),
        (["--model", "minilm", "--top-k", "0"], "top_k"),
    ],
)
def test_the_command_fails_with_one_line_and_status_1(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("attnviz.loading.load_model", lambda name, device: _refuse(name) if name != "minilm" else _StubModel())
    corpus = write_lines(tmp_path / "c.txt", [b"one text", b""])
    assert cli.main(["capture", corpus, "--out", str(tmp_path / "out"), *argv]) == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # after the bad rows named on the way
    assert message in last and last.startswith("attnviz: error:") and "Traceback" not in err


def test_the_command_speaks_chinese_and_exits_2_on_usage_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert cli.main(["capture", str(tmp_path / "missing.txt"), "--model", "minilm", "--out", str(tmp_path / "o")]) == 1
    assert "无法读取语料" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        cli.main(["capture", "corpus.txt"])  # no --model, no --out
    assert exc.value.code == 2


def test_an_output_folder_that_cannot_be_made_is_one_line_and_status_1(bert_folder, tmp_path, capsys):
    corpus = write_lines(tmp_path / "c.txt", [b"one text"])
    (tmp_path / "a-file").write_text("not a folder")
    assert cli.main(["capture", corpus, "--model", bert_folder, "--out", str(tmp_path / "a-file" / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("attnviz: error: Not a directory") and "a-file" in err and err.count("\n") == 1 and "Traceback" not in err


def _refuse(name):
    raise UnknownModelError(name=name, choices="minilm, smollm2")


class _StubModel:
    """Stands in for a loaded model where a test fails before any capture."""

    max_tokens = 512
    config = type("Config", (), dict(name="stub", family="bert", n_layers=1, n_heads=1, is_decoder=False))


# --- the Head finder's corpus section (AppTest) -----------------------------------------


def open_head_finder(**query):
    from apptest_helpers import new_app

    return new_app(**query).run().switch_page("pages/head_finder.py").run()


@pytest.fixture(scope="module")
def corpus_output(bert_folder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    corpus = write_lines(folder / "c.txt", [t.encode() for t in TEXTS] + [b""])
    capture_corpus(corpus, bert_folder, str(folder / "out"), Settings(batch_size=4, shard_size=4))
    return folder / "out"


@pytest.mark.slow
def test_the_head_finder_opens_a_corpus_folder_only_where_local_folders_are_allowed(monkeypatch):
    from apptest_helpers import shown_text

    monkeypatch.delenv("ATTNVIZ_ALLOW_LOCAL_MODELS", raising=False)
    at = open_head_finder()
    assert not at.exception
    assert not [w for w in at.text_input if w.key == "corpus_folder"]
    assert "Opening a folder on the server is off here" in shown_text(at)


@pytest.mark.slow
def test_the_head_finder_shows_a_corpus_folders_metric_map_and_a_heads_top_texts(corpus_output, monkeypatch):
    import numpy as np
    from apptest_helpers import array, shown_text

    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    at = open_head_finder()
    at.text_input(key="corpus_folder").set_value(str(corpus_output)).run()
    assert not at.exception and not at.error
    frame = read_rows(corpus_output).to_pandas()  # the expected figures, computed with pandas from the files
    expected = frame.groupby(["layer", "head"])["self"].mean().unstack().to_numpy()
    at.selectbox(key="corpus_metric").set_value("self").run()
    fig = json.loads(at.get_by_key("corpus_map").proto.spec)
    np.testing.assert_allclose(array(fig["data"][0]["z"]).reshape(2, 3), expected, rtol=1e-6)
    assert fig["layout"]["title"]["text"] == "self: mean over 7 corpus texts"
    layer, head = divmod(int(np.argmax(expected)), 3)
    assert (at.selectbox(key="corpus_layer").value, at.selectbox(key="corpus_head").value) == (layer, head)  # the top head
    assert "7 texts, 42 rows, 1 bad rows skipped" in shown_text(at)
    at.selectbox(key="corpus_layer").set_value(1).run()
    at.selectbox(key="corpus_head").set_value(2).run()
    table = at.dataframe[0].value  # the corpus section comes first on the page
    own = frame[(frame.layer == 1) & (frame["head"] == 2)].sort_values(["self", "text_index"], ascending=[False, True])
    assert table["Text index"].tolist() == own.text_index.tolist()
    assert table["Tokens"].iloc[0] == " ".join(own.tokens.iloc[0])
    assert "Texts where layer 1, head 2 scores highest on self" in shown_text(at)


@pytest.mark.slow
def test_the_head_finder_names_a_folder_that_is_not_a_corpus_output_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    at = open_head_finder(lang="zh")
    at.text_input(key="corpus_folder").set_value(str(tmp_path)).run()
    assert not at.exception
    assert at.error[0].value.startswith("无法使用输出文件夹") and "其中没有 attnviz capture 写出的 manifest" in at.error[0].value
