"""The predict-then-reveal question that ends every lesson, answered by the live model."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Question:
    """A multiple-choice question whose right answer was computed from the model's numbers.

    Attributes:
        prompt: translation key of the question; ``params`` fill its placeholders.
        options: the choices: translation keys when ``translate`` is True, else shown as they are
            (tokens, item titles, words).
        answer: index of the right option in ``options``.
        explanation: translation key of the sentence shown on reveal; ``explanation_params`` fill it.
    """

    prompt: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    params: dict = field(default_factory=dict)
    explanation_params: dict = field(default_factory=dict)
    translate: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.answer < len(self.options):
            raise ValueError(f"answer {self.answer} is not an index into the {len(self.options)} options")

    @property
    def fingerprint(self) -> str:
        """Identifies the question with its live numbers: a reveal holds only while it is unchanged."""
        return repr((self.prompt, self.params, self.options, self.answer))
