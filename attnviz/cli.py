"""The ``attnviz`` command: ``attnviz capture CORPUS --model NAME --out DIR [...]``.

Exit status: 0 when every shard is written (bad rows skipped and counted), 1 for a problem
the message names (an unknown model, an unreadable or empty corpus, a bad row with
``--strict``, an output folder of another run), 2 for a usage error (argparse), 130 when
interrupted (start the same command again: it continues). Messages are one line, in
Chinese where ``LANG`` starts with ``zh``, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from attnviz.errors import AttnvizError
from attnviz.i18n import t

SHOWN_BAD_ROWS = 20  # bad rows named on stderr; all are in manifest.json


def _say(text: str, stream=None) -> None:
    """One line to the terminal (stderr unless ``stream``): the command's messages."""
    (stream or sys.stderr).write(text + "\n")


def _lang() -> str:
    return "zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en"


def parser(lang: str = "en") -> argparse.ArgumentParser:
    """The command line's parser (help texts from the translation table)."""
    from attnviz.corpus.rows import Settings

    default = Settings()
    top = argparse.ArgumentParser(prog="attnviz", description=t("cli_description", lang))
    commands = top.add_subparsers(dest="command", required=True)
    capture = commands.add_parser("capture", help=t("cli_capture_help", lang), description=t("cli_capture_help", lang))
    capture.add_argument("corpus", help=t("cli_corpus_help", lang))
    capture.add_argument("--model", required=True, help=t("cli_model_help", lang))
    capture.add_argument("--out", required=True, help=t("cli_out_help", lang))
    capture.add_argument("--max-tokens", type=int, default=None, help=t("cli_max_tokens_help", lang))
    capture.add_argument("--batch-size", type=int, default=default.batch_size, help=t("cli_batch_size_help", lang))
    capture.add_argument("--top-k", type=int, default=default.top_k, help=t("cli_top_k_help", lang))
    capture.add_argument("--threshold", type=float, default=default.threshold, help=t("cli_threshold_help", lang))
    capture.add_argument("--shard-size", type=int, default=default.shard_size, help=t("cli_shard_size_help", lang))
    capture.add_argument("--ray", default=None, metavar="ADDRESS", help=t("cli_ray_help", lang))
    capture.add_argument("--actors", type=int, default=None, help=t("cli_actors_help", lang))
    capture.add_argument("--strict", action="store_true", help=t("cli_strict_help", lang))
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status (the console script exits with it)."""
    lang = _lang()
    args = parser(lang).parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        return _capture(args, lang)
    except AttnvizError as err:
        _say(t("cli_error", lang, message=err.message(lang)))
        return 1
    except OSError as err:  # e.g. an output folder not writable, a full disk
        _say(t("cli_error", lang, message=f"{err.strerror or err}: {err.filename or ''}".rstrip(": ")))
        return 1
    except KeyboardInterrupt:
        _say(t("cli_interrupted", lang))
        return 130


def _capture(args: argparse.Namespace, lang: str) -> int:
    from tqdm import tqdm

    from attnviz.corpus import Settings, capture_corpus

    settings = Settings(max_tokens=args.max_tokens, batch_size=args.batch_size, top_k=args.top_k, threshold=args.threshold, shard_size=args.shard_size)
    bar = None
    named = [0]

    def on_bad(record, where) -> None:
        named[0] += 1
        if named[0] <= SHOWN_BAD_ROWS:
            _say(t("cli_bad_row", lang, where=where.message(lang), problem=record.problem.message(lang)))

    def on_start(total: int, already: int) -> None:
        nonlocal bar
        if already:
            _say(t("cli_resumed", lang, done=already, total=total))
        bar = tqdm(total=total, initial=already, unit=t("cli_unit", lang), dynamic_ncols=True, file=sys.stderr)

    try:
        manifest = capture_corpus(
            args.corpus, args.model, args.out, settings, strict=args.strict, ray_address=args.ray, actors=args.actors,
            on_bad=on_bad, on_start=on_start, on_texts=lambda n: bar.update(n),
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    if named[0] > SHOWN_BAD_ROWS:
        _say(t("cli_more_bad_rows", lang, n=named[0] - SHOWN_BAD_ROWS))
    _say(t("cli_done", lang, rows=manifest["rows_written"], texts=manifest["texts_captured"], bad=manifest["bad_rows"], truncated=manifest["truncated_texts"], out=args.out), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
