"""attnviz's exceptions: every one is a ``ValueError`` whose message says how to fix the problem.

Each error carries a translation ``key`` and its ``params`` so the app can show the
same message in the user's language (``err.message(lang)``); ``str(err)`` is the English
text. A param may itself be translatable (a ``Text`` or another ``AttnvizError``): it is
translated into the same language.
"""

from __future__ import annotations

from typing import Any, Callable


class Text:
    """A translatable piece of a message: a translation ``key`` and its ``params``."""

    def __init__(self, key: str, **params: Any) -> None:
        self.key, self.params = key, params

    def message(self, lang: str, escape: Callable[[Any], Any] = lambda value: value) -> str:
        """The text in ``lang`` ("en" or "zh"), each param passed through ``escape`` first."""
        from attnviz.i18n import t

        return t(self.key, lang, **_translated(self.params, lang, escape))

    def __str__(self) -> str:
        return self.message("en")


def _translated(params: dict[str, Any], lang: str, escape: Callable[[Any], Any]) -> dict[str, Any]:
    return {
        name: escape(value.message(lang).rstrip(".。") if isinstance(value, (Text, AttnvizError)) else value)
        for name, value in params.items()
    }


class AttnvizError(ValueError):
    """Base class: a user-fixable problem, with a translatable message."""

    key = "err_generic"

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str, escape: Callable[[Any], Any] = lambda value: value) -> str:
        """The message in ``lang`` ("en" or "zh"), each param passed through ``escape`` first
        (e.g. ``escape_markdown`` for a message shown as Markdown)."""
        from attnviz.i18n import t

        return t(self.key, lang, **_translated(self.params, lang, escape))


class EmptyTextError(AttnvizError):
    """The text is empty or only whitespace."""

    key = "err_empty_text"


class InvalidTextError(AttnvizError):
    """The text is not valid Unicode (a lone surrogate code point). Params: ``position``."""

    key = "err_invalid_text"


class SourceTooLongError(AttnvizError):
    """A source longer than an encoder–decoder model reads. Params: ``n`` (its tokens), ``most``."""

    key = "err_source_too_long"


class TargetTooLongError(AttnvizError):
    """A target longer than an encoder–decoder model's decoder takes. Params: ``n`` (its tokens), ``most``."""

    key = "err_target_too_long"


class ModelLoadError(AttnvizError):
    """A model that cannot be loaded; every failure of ``attnviz.load_model`` is one.

    Params: ``path`` (the file or folder at fault) and ``problem`` (a ``Text`` or an
    ``AttnvizError`` saying what is wrong with it). The subclasses below have messages of
    their own.
    """

    key = "err_model_load"


class UnknownModelError(ModelLoadError):
    """The name is neither a registry name nor a model folder. Params: ``name``, ``choices``."""

    key = "err_unknown_model"


class ModelNotInstalledError(ModelLoadError):
    """A registry model's package is missing. Params: ``name``, ``pip``."""

    key = "err_model_not_installed"


class UnsafeWeightsError(ModelLoadError):
    """A model folder has no safetensors file (pickled weights are refused). Params: ``path``."""

    key = "err_unsafe_weights"


class ConfigError(AttnvizError):
    """A configuration value attnviz cannot use. Params: ``field``, ``value``."""

    key = "err_config"


class WeightsMismatchError(AttnvizError):
    """Checkpoint keys or shapes differ from what the converter expects. Params: ``detail``."""

    key = "err_weights_mismatch"


class InvalidMaskError(AttnvizError):
    """A custom attention mask has the wrong shape or dtype, or masks a whole row. Params: ``detail``."""

    key = "err_invalid_mask"


class CaptureFileError(AttnvizError):
    """A file that is not a capture saved by attnviz, or a damaged one. Params: ``detail``."""

    key = "err_capture_file"


class AblationError(AttnvizError):
    """An ablation method attnviz does not know. Params: ``value``."""

    key = "err_ablation"


# --- step by step (attnviz.analysis) ------------------------------------------------------


class PositionError(AttnvizError):
    """A layer, head or token index outside the capture or the model. Params: ``name``, ``value``, ``n``."""

    key = "steps_err_position"


class TemperatureError(AttnvizError):
    """A softmax temperature that is not a positive finite number. Params: ``value``."""

    key = "steps_err_temperature"


class CaptureMismatchError(AttnvizError):
    """A capture that the given model did not make (another size). Params: ``field``, ``capture``, ``model``."""

    key = "steps_err_mismatch"


class NoUnembeddingError(AttnvizError):
    """A logit lens asked of an encoder's capture, which has no unembedding. Params: ``model``."""

    key = "lens_err_encoder"


# --- the lessons' inputs (attnviz.lessons) ------------------------------------------------


class UnknownWordError(AttnvizError):
    """A word the tokenizer can only write as [UNK]. Params: ``word``."""

    key = "lesson_err_unknown_word"


class WordNotFoundError(AttnvizError):
    """A word that is not among a sentence's tokens. Params: ``word``, ``tokens``."""

    key = "lesson_err_word_not_found"


class CatalogueError(AttnvizError):
    """A catalogue line that is not ``title | feature, feature, …``. Params: ``line``, ``text``."""

    key = "lesson_err_catalogue_line"


class EmptyCatalogueError(AttnvizError):
    """A catalogue without any item."""

    key = "lesson_err_catalogue_empty"


class LessonValueError(AttnvizError):
    """A size or count outside its allowed range. Params: ``name``, ``value``, ``allowed``."""

    key = "lesson_err_value"


class HaystackError(AttnvizError):
    """A needle-in-a-haystack input that cannot be used (``attnviz.analysis.retrieval``). Params: ``problem`` (a ``Text``)."""

    key = "needle_err"


# --- instruments: attribution, ablation, minimal pairs (attnviz.analysis) ---------------


class TokenChoiceError(AttnvizError):
    """A target or distractor that is not exactly one token of the model. Params: ``text``, ``n``."""

    key = "attr_err_token"


class FlowLengthError(AttnvizError):
    """An input too long for attention flow's max-flow computation. Params: ``n``, ``most``."""

    key = "attr_err_flow_length"


class PairLengthError(AttnvizError):
    """Two sentences of a minimal pair (or a patching pair) with different token counts. Params: ``n_a``, ``n_b``."""

    key = "pairs_err_length"


class ProjectionError(AttnvizError):
    """A query/key space that cannot be projected (too few points, no UMAP package, an unknown method or head). Params: ``problem`` (a ``Text``)."""

    key = "err_projection"


# --- corpus capture (attnviz.corpus, the attnviz command) ---------------------------------


class CorpusError(AttnvizError):
    """A corpus that cannot be read as a whole (no such file, empty, no ``text`` column). Params: ``problem`` (a ``Text``)."""

    key = "corpus_err"


class BadRowError(CorpusError):
    """A bad row of the corpus met with ``--strict``. Params: ``where`` (line or row, a ``Text``), ``problem`` (a ``Text``)."""

    key = "corpus_err_bad_row"


class CorpusOutputError(AttnvizError):
    """An output folder that holds another run's output, or one that is not a corpus output folder. Params: ``path``, ``problem`` (a ``Text``)."""

    key = "corpus_err_output"


# --- encoder–decoder pages (attnviz.app.seq2seq_ui) ----------------------------------------


class SourceCharactersError(AttnvizError):
    """A translator's source with characters its vocabulary lacks. Params: ``chars`` (those characters, quoted)."""

    key = "err_s2s_unknown_characters"


class NeedsEncoderDecoderError(AttnvizError):
    """An encoder or decoder where the page needs an encoder–decoder (Translation). Params: ``name`` (the folder as typed)."""

    key = "err_s2s_needs_encoder_decoder"


class NeedsEncoderOrDecoderError(AttnvizError):
    """An encoder–decoder where the page needs an encoder or a decoder (Explorer, Step by step). Params: ``name`` (the folder as typed)."""

    key = "err_s2s_needs_encoder_or_decoder"
