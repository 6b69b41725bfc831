"""The frame every lesson page shares (not a page itself): the sections, the widgets whose
values survive page changes, and the predict-then-reveal question.

In present mode (the frame's toggle, ``attnviz.app.present``; it replaced the lessons' own
classroom mode) the type is larger and each section has its own tab: one idea per screen.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

import attnviz
from attnviz.app import present, ui
from attnviz.lessons.quiz import Question
from attnviz.lessons.safe_text import escape_markdown, escape_params

MODEL = "minilm"
MODEL_LABEL = attnviz.REGISTRY[MODEL].label.split(" (")[0]  # the model's own name, without the description
tr = ui.tr


def md(key: str, **params) -> str:
    """``tr(key, **params)`` for Markdown: the params (user text, tokens) are escaped."""
    return tr(key, **escape_params(params))


def start(number: int) -> bool:
    """Draw the lesson's title and introduction (the language switch and present mode are the frame's: app.py).

    Returns whether present mode is on (then ``sections`` draws one tab per section).
    """
    st.title(tr(f"lesson{number}_title"))
    presenting = present.is_on()
    with st.expander(tr("present_lesson_about")) if presenting else st.container():  # present mode: the sections come first
        st.markdown(tr(f"lesson{number}_intro"))
        st.caption(tr(f"lesson{number}_numbers", name=ui.model_label(MODEL)))
    return presenting


def columns(n: int) -> list:
    """``n`` columns side by side; stacked full-width containers in present mode (a chart keeps its labels readable at 18 px)."""
    return [st.container() for _ in range(n)] if present.is_on() else st.columns(n)


def notes_box(key: str) -> None:
    """Where a study note in shared/notes/ is wrong: "the notes say" beside "in fact".

    Reads the strings ``{key}_notes_say`` and ``{key}_in_fact`` (both languages).
    """
    st.warning(f"**{tr('lesson_notes_say')}** {tr(f'{key}_notes_say')}\n\n**{tr('lesson_in_fact')}** {tr(f'{key}_in_fact')}", icon="📝")


def sections(classroom: bool, parts: list[tuple[str, Callable[[], None]]]) -> None:
    """Draw each (title, draw) part: stacked under headers, or one tab each when ``classroom`` (present mode) is on."""
    if classroom:
        tabs = present.section_tabs([title for title, _ in parts], buttons=present.controls())  # ← → step the tabs; their buttons in the sidebar
        for tab, (_, draw) in zip(tabs, parts, strict=True):
            with tab:
                draw()
        return
    for title, draw in parts:
        st.header(title, divider="gray")
        draw()


def model():
    """The lessons' model (loaded once per process, shared read-only); stops the page after showing why it is missing."""
    try:
        with st.spinner(tr("loading_model", name=MODEL)):
            return ui.get_model(MODEL)
    except attnviz.AttnvizError as err:
        ui.show_error(err)
        st.stop()


@ui.process_wide()  # not st.cache_resource: any client can clear that
def embedding_matrix(name: str):
    """The model's word-embedding matrix ``W_E [d_vocab, d_model]`` as a float32 CPU tensor (read-only)."""
    return ui.get_model(name).network.embed.W_E.detach().float().cpu()


def capture(text: str) -> attnviz.Capture | None:
    """The cached capture of ``text``, or None after showing why it could not be made."""
    try:
        return ui.get_capture(MODEL, text)
    except attnviz.AttnvizError as err:
        ui.show_error(err)
        return None


def layer_head(prefix: str, n_layers: int, n_heads: int, default: tuple[int, int] = (0, 0)) -> tuple[int, int]:
    """Kept layer and head pickers side by side (keys ``{prefix}_layer``, ``{prefix}_head``)."""
    col_layer, col_head = st.columns(2)
    layer = ui.kept_widget(col_layer.selectbox, f"{prefix}_layer", default[0], tr("layer"), choices=range(n_layers))
    head = ui.kept_widget(col_head.selectbox, f"{prefix}_head", default[1], tr("head"), choices=range(n_heads))
    return layer, head


def predict_then_reveal(question: Question | None, key: str, judge: str = "model") -> None:
    """The closing question: the student picks an answer, then the right answer is shown.

    ``question`` None (not enough input to ask it) shows a hint instead. ``judge`` names who
    answers: "model" (the live model's numbers) or "theory" (a result such as the paper's Table 1).
    """
    if question is None:
        st.info(tr("lesson_no_question"))
        return
    st.markdown(md(question.prompt, **question.params))
    labels = [tr(option) if question.translate else option for option in question.options]
    guess = st.selectbox(
        tr("lesson_your_prediction"), range(len(labels)), index=None, key=f"{key}_guess",
        format_func=labels.__getitem__, placeholder=tr("lesson_pick_one"),
    )  # fmt: skip
    revealed = f"{key}_revealed"
    reveal = tr("lesson_reveal" if judge == "model" else f"lesson_reveal_{judge}")
    if st.button(reveal, key=f"{key}_reveal", disabled=guess is None, type="primary"):
        st.session_state[revealed] = question.fingerprint
    if st.session_state.get(revealed) == question.fingerprint and guess is not None:
        answer = escape_markdown(labels[question.answer])
        if guess == question.answer:
            st.success(tr("lesson_right" if judge == "model" else f"lesson_right_{judge}", answer=answer))
        else:
            st.warning(tr("lesson_wrong" if judge == "model" else f"lesson_wrong_{judge}", answer=answer))
        st.markdown(md(question.explanation, **question.explanation_params))
