"""Readable labels for tokens: the characters each token spells, even when a character is split.

A byte-level BPE tokenizer (GPT-2, Llama 3, SmolLM2; Radford et al. 2019, §2.2) cuts text
into UTF-8 *bytes*, so one Chinese character (3 bytes) often lands in two or three tokens,
and one token may end one character and start the next. Decoding such a token on its own
gives U+FFFD ("�"). Here each token is labelled by the characters its bytes belong to:

- a character wholly inside the token shows as itself;
- a character split over several tokens shows on each with its part number, 奖¹ 奖²;
- bytes that form no character (a sequence cut off at its end, or ids that do not spell
  valid UTF-8) show in hex, ‹E5 A5›;
- added (special) tokens show as themselves; a newline shows as ↵ and a leading space stays.

The token → bytes table is read from the tokenizer's own vocabulary: for a byte-level
tokenizer through its 256-character byte alphabet (``bytes_to_unicode``, the inverse of the
table GPT-2 encodes bytes with), for a SentencePiece-style one through its ``<0xNN>`` byte
tokens and ``▁`` spaces. This works for token ids alone (a prompt plus generated tokens),
not only for text, which an offsets mapping would need.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import NamedTuple

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
SUPERSCRIPT = str.maketrans("0123456789", SUPERSCRIPT_DIGITS)
BYTE_TOKEN = re.compile(r"<0x([0-9A-Fa-f]{2})>")


class Piece(NamedTuple):
    """What one token holds of one character (or of a run of bytes, or an added token).

    ``text``: the character (``kind == "char"``), the added token's text (``"added"``), or
    the bytes that form no character (``"bytes"``, then ``raw`` holds them).
    ``part``: 0 when the token holds the whole character, else which part (1, 2, …) it holds.
    """

    text: str
    kind: str = "char"
    part: int = 0
    raw: bytes = b""


def render(pieces: list[Piece]) -> str:
    """One token's label: characters (with a superscript part number when split), hex bytes, ↵ for a newline."""
    out = []
    for piece in pieces:
        if piece.kind == "bytes":
            out.append("‹" + " ".join(f"{b:02X}" for b in piece.raw) + "›")
        else:
            out.append(piece.text.replace("\n", "↵") + (str(piece.part).translate(SUPERSCRIPT) if piece.part else ""))
    return "".join(out)


def has_split_characters(labels: list[str]) -> bool:
    """Whether any label shows a part number or hex bytes, which the page should then explain."""
    return any(c in SUPERSCRIPT_DIGITS or c == "‹" for label in labels for c in label)


def _decoder_types(node) -> set[str]:
    """Every decoder type named in a tokenizer.json decoder (which may be a Sequence of them)."""
    if not isinstance(node, dict):
        return set()
    return {node.get("type", "")} | {t for child in node.get("decoders", []) for t in _decoder_types(child)}


class TokenSpeller:
    """Spells token ids of one Hugging Face tokenizer as characters (see the module docstring).

    Args:
        tokenizer: a Hugging Face tokenizer; fast tokenizers are read through their
            ``tokenizer.json`` decoder (ByteLevel or ByteFallback), any other through
            ``convert_tokens_to_string`` per token.
    """

    def __init__(self, tokenizer):
        from transformers.convert_slow_tokenizer import bytes_to_unicode

        self.tokenizer = tokenizer
        self.whole = {i: tok.content for i, tok in getattr(tokenizer, "added_tokens_decoder", {}).items()}  # id -> shown as is
        backend = getattr(tokenizer, "backend_tokenizer", None)
        decoders = _decoder_types(json.loads(backend.to_str()).get("decoder")) if backend is not None else set()
        self.byte_level = "ByteLevel" in decoders
        self.byte_fallback = "ByteFallback" in decoders
        self._byte_of = {char: byte for byte, char in bytes_to_unicode().items()}
        self._bytes: dict[int, bytes] = {}

    def token_bytes(self, token_id: int) -> bytes | None:
        """The bytes token ``token_id`` stands for; None for an added (special) token."""
        if token_id in self.whole:
            return None
        if token_id not in self._bytes:
            token = self.tokenizer.convert_ids_to_tokens(token_id)
            if token is None:  # an id the model has but its tokenizer does not (a padded vocabulary)
                self.whole[token_id] = f"#{token_id}"
                return None
            if self.byte_level and all(c in self._byte_of for c in token):
                raw = bytes(self._byte_of[c] for c in token)
            elif self.byte_fallback and (match := BYTE_TOKEN.fullmatch(token)):
                raw = bytes([int(match.group(1), 16)])
            elif self.byte_fallback:
                raw = token.replace("▁", " ").encode("utf-8")
            else:
                raw = self.tokenizer.convert_tokens_to_string([token]).encode("utf-8")
            self._bytes[token_id] = raw
        return self._bytes[token_id]

    def pieces(self, token_ids: list[int]) -> list[list[Piece]]:
        """For each token, the pieces it holds, in order (see ``Piece``).

        Characters are found in the UTF-8 byte stream of each run of tokens between added
        tokens; a character's part number counts the tokens it spans, from 1.
        """
        out: list[list[Piece]] = [[] for _ in token_ids]
        run: list[int] = []  # positions of the current run of byte tokens
        for pos, token_id in enumerate(token_ids):
            if self.token_bytes(token_id) is None:
                self._spell_run(token_ids, run, out)
                run = []
                out[pos].append(Piece(self.whole[token_id], kind="added"))
            else:
                run.append(pos)
        self._spell_run(token_ids, run, out)
        return out

    def _spell_run(self, token_ids: list[int], run: list[int], out: list[list[Piece]]) -> None:
        chunks = [self.token_bytes(token_ids[pos]) for pos in run]
        data = b"".join(chunks)
        owner = [i for i, chunk in enumerate(chunks) for _ in chunk]  # byte -> index in run of its token
        start = 0
        for end, char in _units(data):
            tokens = sorted(set(owner[start:end]))
            for part, i in enumerate(tokens, start=1):
                numbered = part if len(tokens) > 1 else 0
                if char is None:  # bytes that form no character: each token shows its own
                    raw = bytes(b for b, o in zip(data[start:end], owner[start:end], strict=True) if o == i)
                    out[run[i]].append(Piece(raw.hex(), kind="bytes", raw=raw))
                else:
                    out[run[i]].append(Piece(char, part=numbered))
            start = end

    def labels(self, token_ids: list[int]) -> list[str]:
        """One readable label per token (``render`` of its pieces); never contains a U+FFFD the text does not."""
        return [render(p) for p in self.pieces(token_ids)]

    def label_after(self, context_ids: list[int], candidate_ids: list[int]) -> list[str]:
        """Each candidate's label as the token following ``context_ids`` (it may complete a character begun there).

        Only the last few context tokens matter: a character has at most 4 bytes.
        """
        tail = list(context_ids[-4:])
        return [self.labels([*tail, c])[-1] for c in candidate_ids]

    def text(self, token_ids: list[int]) -> str:
        """The text the ids spell: characters once each, added tokens as themselves, stray bytes in hex (one ‹…› per run)."""
        shown, stray = [], b""
        for piece in (p for token in self.pieces(token_ids) for p in token):
            if piece.kind == "bytes":
                stray += piece.raw
                continue
            if stray:
                shown.append(render([Piece(stray.hex(), kind="bytes", raw=stray)]))
                stray = b""
            if piece.part <= 1:
                shown.append(piece.text)
        if stray:
            shown.append(render([Piece(stray.hex(), kind="bytes", raw=stray)]))
        return "".join(shown)

    def unknown_count(self, token_ids: list[int]) -> int:
        """How many ids are the tokenizer's unknown token ([UNK]): text the model cannot read.

        A byte-level tokenizer spells every text in bytes and never needs one (SmolLM2 names
        ``<|endoftext|>`` as its unk token, which is no unknown text): it counts 0.
        """
        unk = self.tokenizer.unk_token_id
        if unk is None or self.byte_level:
            return 0
        return sum(1 for i in token_ids if i == unk)


def _units(data: bytes):
    """Split UTF-8 bytes into ``(end, char)``: one per character, or ``(end, None)`` for bytes that form none.

    A byte that cannot start a character is a unit of its own; an incomplete character at
    the end of ``data`` (a cut-off sequence) is one unit.
    """
    start, n = 0, len(data)
    while start < n:
        for length in range(1, 5):
            try:
                char = data[start : start + length].decode("utf-8")
            except UnicodeDecodeError:
                continue
            yield start + length, char
            start += length
            break
        else:
            if _is_cut_off(data[start:]):
                yield n, None  # the start of a character cut off by the end of the run
                start = n
            else:
                yield start + 1, None
                start += 1


def _is_cut_off(tail: bytes) -> bool:
    """Whether ``tail`` is the valid beginning of one UTF-8 character, missing its last bytes."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(tail, final=False) == ""
    except UnicodeDecodeError:
        return False
