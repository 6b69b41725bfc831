"""Reading a corpus: a text file (one text per line), JSONL (a ``text`` field) or Parquet (a ``text`` column).

Every text has an index, its place in the file: the line number − 1 for text and JSONL
files, the row number for Parquet. The index never skips a bad row, so the output's
``text_index`` points back at the line or row it came from.

A bad row (an empty line, a line that is not valid UTF-8, a JSONL line that is not a JSON
object with a string ``text``, a null Parquet value) is a ``Record`` whose ``problem`` says
what is wrong; a problem with the whole corpus (no such file, an empty corpus, a Parquet file
without a ``text`` column) raises ``CorpusError``. ``scan`` reads the corpus once, streaming:
the number of texts, the SHA-256 of its bytes, the bad rows, and where each shard of
``shard_size`` texts starts, so that ``read_shard`` reads one shard alone (memory bounded by
the shard, never the corpus).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from attnviz.errors import CorpusError, Text

MAX_BAD_ROWS_KEPT = 1000  # bad rows listed in the scan (and the manifest); all are counted
PARQUET_TEXT_TYPES = ("string", "large_string", "binary", "large_binary")


@dataclass(frozen=True)
class Record:
    """One row of the corpus: its ``index``, its ``text``, or the ``problem`` that makes it a bad row (a ``Text``)."""

    index: int
    text: str | None
    problem: Text | None = None

    def where(self, kind: str) -> Text:
        """'line N' (1-based) for text and JSONL corpora, 'row N' (0-based) for Parquet, as a translatable text."""
        return Text("corpus_where_row", n=self.index) if kind == "parquet" else Text("corpus_where_line", n=self.index + 1)


@dataclass(frozen=True)
class Shard:
    """Texts ``start`` … ``stop`` − 1 of the corpus; ``offset`` is where ``start`` begins (a byte for text and JSONL files, unused for Parquet)."""

    number: int
    start: int
    stop: int
    offset: int = 0


@dataclass
class Scan:
    """What ``scan`` learned about a corpus: its kind, size, checksum, shards and bad rows."""

    path: str
    kind: str
    texts: int = 0
    sha256: str = ""
    shards: list[Shard] = field(default_factory=list)
    bad_rows: int = 0
    bad_examples: list[tuple[Record, Text]] = field(default_factory=list)  # (record, where), the first MAX_BAD_ROWS_KEPT


def corpus_kind(path: str) -> str:
    """``"parquet"`` for ``*.parquet``, ``"jsonl"`` for ``*.jsonl`` / ``*.json``, ``"text"`` for anything else."""
    name = path.lower()
    if name.endswith(".parquet"):
        return "parquet"
    return "jsonl" if name.endswith((".jsonl", ".json")) else "text"


def scan(path: str, shard_size: int, on_bad: Callable[[Record, Text], None] | None = None) -> Scan:
    """Read the corpus once: count its texts, hash its bytes (SHA-256), find its bad rows and its shards' starts.

    Args:
        path: the corpus file.
        shard_size: texts per shard (≥ 1).
        on_bad: called with each bad row and where it is (e.g. to stop at the first one, ``--strict``).

    Raises:
        CorpusError: no such file, an empty corpus, a Parquet file without a string ``text`` column.
    """
    if not os.path.isfile(path):
        raise CorpusError(problem=Text("corpus_missing_file", path=path))
    result = Scan(path=path, kind=corpus_kind(path))
    digest = hashlib.sha256()
    starts = []
    if result.kind == "parquet":
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        records = _parquet_records(path, 0, None)
    else:
        records = _line_records(path, result.kind, 0, 0, digest=digest, starts=starts, shard_size=shard_size)
    for record in records:
        result.texts += 1
        if record.problem is not None:
            result.bad_rows += 1
            where = record.where(result.kind)
            if len(result.bad_examples) < MAX_BAD_ROWS_KEPT:
                result.bad_examples.append((record, where))
            if on_bad is not None:
                on_bad(record, where)
    if result.texts == 0:
        raise CorpusError(problem=Text("corpus_empty", path=path))
    result.sha256 = digest.hexdigest()
    offsets = starts if result.kind != "parquet" else [0] * -(-result.texts // shard_size)
    result.shards = [Shard(i, i * shard_size, min(result.texts, (i + 1) * shard_size), offset) for i, offset in enumerate(offsets)]
    return result


def read_shard(path: str, kind: str, shard: Shard) -> Iterator[Record]:
    """The records of one shard, in order (``scan`` gave the shard)."""
    if kind == "parquet":
        yield from _parquet_records(path, shard.start, shard.stop)
    else:
        yield from _line_records(path, kind, shard.start, shard.offset, stop=shard.stop)


def _line_records(path, kind, start, offset, stop=None, digest=None, starts=None, shard_size=0) -> Iterator[Record]:
    """Records of a text or JSONL file from line ``start`` (at byte ``offset``) up to ``stop``; hashing and noting shard starts on the way when asked."""
    index = start
    with open(path, "rb") as f:
        f.seek(offset)
        for raw in f:
            if stop is not None and index >= stop:
                return
            if starts is not None and index % shard_size == 0:
                starts.append(offset)
            if digest is not None:
                digest.update(raw)
            offset += len(raw)
            yield _line_record(index, raw.rstrip(b"\n").removesuffix(b"\r"), kind)
            index += 1


def _line_record(index: int, raw: bytes, kind: str) -> Record:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Record(index, None, Text("corpus_bad_utf8", byte=exc.start))
    if kind == "text":
        return _checked(index, line)
    if not line.strip():
        return Record(index, None, Text("corpus_bad_empty"))
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        return Record(index, None, Text("corpus_bad_json", detail=exc.msg, column=exc.colno))
    if not isinstance(value, dict) or "text" not in value:
        return Record(index, None, Text("corpus_bad_no_text"))
    if not isinstance(value["text"], str):
        return Record(index, None, Text("corpus_bad_not_string", type=type(value["text"]).__name__))
    return _checked(index, value["text"])


def _checked(index: int, text: str) -> Record:
    """A record of ``text``, or a bad row for an empty one or one that is not valid Unicode (a lone surrogate from a JSON escape)."""
    if not text.strip():
        return Record(index, None, Text("corpus_bad_empty"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return Record(index, None, Text("corpus_bad_unicode", position=exc.start))
    return Record(index, text)


def _parquet_records(path: str, start: int, stop: int | None) -> Iterator[Record]:
    """Records of rows ``start`` … ``stop`` − 1 of a Parquet file's ``text`` column, reading only the row groups that hold them."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
        raise CorpusError(problem=Text("corpus_bad_parquet", path=path, detail=str(exc)[:200])) from None
    schema = pf.schema_arrow
    if "text" not in schema.names:
        raise CorpusError(problem=Text("corpus_no_text_column", path=path, columns=", ".join(schema.names[:10])))
    column_type = str(schema.field("text").type)
    if column_type not in PARQUET_TEXT_TYPES:
        raise CorpusError(problem=Text("corpus_text_column_type", path=path, type=column_type))
    stop = pf.metadata.num_rows if stop is None else stop
    first = 0
    for group in range(pf.num_row_groups):
        size = pf.metadata.row_group(group).num_rows
        if first + size > start and first < stop:
            values = pf.read_row_group(group, columns=["text"]).column("text").to_pylist()
            for index in range(max(start, first), min(stop, first + size)):
                yield _parquet_record(index, values[index - first])
        first += size


def _parquet_record(index: int, value: str | bytes | None) -> Record:
    if value is None:
        return Record(index, None, Text("corpus_bad_null"))
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Record(index, None, Text("corpus_bad_utf8", byte=exc.start))
    return _checked(index, value)
