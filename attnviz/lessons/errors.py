"""The lessons' input errors: ``AttnvizError`` subclasses with translated, fixable messages."""

from __future__ import annotations

from attnviz.errors import AttnvizError


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
