"""The frame every lesson page shares (not a page itself): the sections, the widgets whose
values survive page changes, and the predict-then-reveal question.

In present mode (the frame's toggle, ``attnviz.app.present``; it replaced the lessons' own
classroom mode) the type is larger and each section has its own tab: one idea per screen. A
section draws into a ``Place``: its main chart goes to the top of its tab (``Place.chart``, a
slot made before anything else in the tab) and its widgets to the sidebar (``Place.controls``),
so that at 1280 × 720 the chart is in view without scrolling; its prose follows the chart. The
page's own widgets, drawn before the sections, go to the sidebar as well (``controls()``).
Outside present mode both are the page itself: everything is drawn in the order the code runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import streamlit as st

import attnviz
from attnviz.app import present, ui
from attnviz.lessons.quiz import Question
from attnviz.lessons.safe_text import escape_markdown, escape_params

MODEL = "minilm"
MODEL_LABEL = attnviz.REGISTRY[MODEL].label.split(" (")[0]  # the model's own name, without the description
# A section's main chart in present mode: its tab's content starts about 110 px down at 1280 × 720 (the tabs are
# the page's first line), so 600 px ends it above the screen's bottom edge; a 16-token heatmap gets 25 px a row.
CHART_HEIGHT = 600
LONG_LABEL = 12  # characters: a bar chart with a longer label turns horizontal in present mode (``fit_bars``)
tr = ui.tr


@dataclass(frozen=True)
class Frame:
    """What ``start`` set up: the lesson's number, whether present mode is on, and in present mode the
    sidebar's slot for the Previous/Next buttons (first, above the page's controls)."""

    number: int
    presenting: bool
    buttons: Any = None  # a sidebar container, or None outside present mode


@dataclass(frozen=True)
class Place:
    """Where a section draws (``sections`` passes one to each section's ``draw``).

    Attributes:
        chart: the container for the section's main chart. In present mode a slot at the top of its
            tab, above everything the section draws after it; otherwise ``st`` (in the code's order).
        controls: where the section's widgets go. In present mode the sidebar for the open section
            (a slot under the page's controls) and for the others a slot in their hidden tab under the
            chart; otherwise ``st``.
        presenting: whether present mode is on.
    """

    chart: Any
    controls: Any
    presenting: bool = False


def md(key: str, **params) -> str:
    """``tr(key, **params)`` for Markdown: the params (user text, tokens) are escaped."""
    return tr(key, **escape_params(params))


def start(number: int) -> Frame:
    """Draw the lesson's title and introduction (the language switch and present mode are the frame's: app.py).

    In present mode the section tabs are the page's first line, so that a section's chart fills the rest of a
    1280 × 720 screen: the title heads the sidebar (under the language switch and the toggle), above a slot
    for the section buttons and the page's controls; the introduction waits for ``sections`` (an expander
    under the tabs). Returns the ``Frame`` that ``sections`` takes.
    """
    title = tr(f"lesson{number}_title")
    if present.is_on():
        st.sidebar.subheader(title)
        return Frame(number, True, buttons=st.sidebar.container())
    st.title(title)
    introduction(number)
    return Frame(number, False)


def introduction(number: int) -> None:
    """The lesson's introduction and where its numbers come from."""
    st.markdown(tr(f"lesson{number}_intro"))
    st.caption(tr(f"lesson{number}_numbers", name=ui.model_label(MODEL)))


def controls():
    """Where the page's own widgets go (those drawn before the sections): the sidebar in present mode, else the page."""
    return present.controls()


def columns(n: int, parent=None) -> list:
    """``n`` columns side by side in ``parent`` (default: the current place); stacked full-width containers in
    present mode (a chart keeps its labels readable at 18 px)."""
    parent = parent or st
    return [parent.container() for _ in range(n)] if present.is_on() else parent.columns(n)


def fit(fig, x_angle: int | None = None, height: int | None = CHART_HEIGHT):
    """``present.fit`` for a section's main chart: in present mode 18 px text and ``height`` (default
    ``CHART_HEIGHT``: it ends on the first screen at 1280 × 720; None keeps the figure's own); else ``fig`` unchanged."""
    return present.fit(fig, height=height, x_angle=x_angle)


def fit_bars(fig, height: int | None = CHART_HEIGHT):
    """``fit`` for a bar chart (``attnviz.plots.lessons.bar_chart``). In present mode, where a bar's label is longer than
    ``LONG_LABEL`` characters (a catalogue's titles), the bars turn horizontal: upright 18 px labels that long would leave
    the bars a strip of the chart, across they take one row each. Short labels (tokens) stay upright under their bars."""
    if present.is_on() and any(len(str(label)) > LONG_LABEL for trace in fig.data for label in (trace.x or ())):
        x_axis, y_axis = fig.layout.xaxis, fig.layout.yaxis
        for trace in fig.data:
            trace.update(x=trace.y, y=trace.x, orientation="h", hovertemplate="%{y}: %{x:.4f}<extra></extra>")
        fig.update_layout(
            xaxis={"title": {"text": y_axis.title.text}, "range": y_axis.range},
            yaxis={"title": {"text": x_axis.title.text}, "range": None, "autorange": "reversed"},  # the first bar on top
        )  # fmt: skip
        return fit(fig, height=height)
    return fit(fig, x_angle=-90, height=height)


def notes_box(key: str) -> None:
    """Where a study note in shared/notes/ is wrong: "the notes say" beside "in fact".

    Reads the strings ``{key}_notes_say`` and ``{key}_in_fact`` (both languages).
    """
    st.warning(f"**{tr('lesson_notes_say')}** {tr(f'{key}_notes_say')}\n\n**{tr('lesson_in_fact')}** {tr(f'{key}_in_fact')}", icon="📝")


def sections(frame: Frame, parts: list[tuple[str, Callable[[Place], None]]]) -> None:
    """Draw each (title, draw) part, ``draw(place)``: stacked under headers, or in present mode one tab each.

    In present mode ← → step the tabs (their buttons in the sidebar's slot ``frame.buttons``); every
    section is drawn (a later one may use what an earlier one computed), the open one's widgets in the
    sidebar. The open tab is ``present.SECTION_KEY``'s title, set before the run that draws it.
    """
    if not frame.presenting:
        for title, draw in parts:
            st.header(title, divider="gray")
            draw(Place(st, st))
        return
    titles = [title for title, _ in parts]
    tabs = present.section_tabs(titles, buttons=frame.buttons)
    opened = st.session_state.get(present.SECTION_KEY)
    open_index = titles.index(opened) if opened in titles else 0
    for index, (tab, (_, draw)) in enumerate(zip(tabs, parts, strict=True)):
        with tab:
            chart = st.container()  # made first: the top of the tab
            draw(Place(chart, st.sidebar.container() if index == open_index else st.container(), presenting=True))
    with st.expander(tr("present_lesson_about")):  # under the sections: the first one's chart comes first
        introduction(frame.number)


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


def layer_head(prefix: str, n_layers: int, n_heads: int, default: tuple[int, int] = (0, 0), parent=None) -> tuple[int, int]:
    """Kept layer and head pickers side by side in ``parent`` (default: the current place; keys ``{prefix}_layer``, ``{prefix}_head``)."""
    col_layer, col_head = (parent or st).columns(2)
    layer = ui.kept_widget(col_layer.selectbox, f"{prefix}_layer", default[0], tr("layer"), choices=range(n_layers))
    head = ui.kept_widget(col_head.selectbox, f"{prefix}_head", default[1], tr("head"), choices=range(n_heads))
    return layer, head


def predict_then_reveal(question: Question | None, key: str, judge: str = "model") -> None:
    """The closing question: the student picks an answer, then the right answer is shown.

    ``question`` None (not enough input to ask it) shows a hint instead. ``judge`` names who
    answers: "model" (the live model's numbers) or "theory" (a result such as the paper's Table 1).
    The answers are a selectbox (key ``{key}_guess``), in present mode radio buttons under the same key:
    every answer in view in the large type (a selectbox's list opens in small type, outside the page's CSS).
    """
    if question is None:
        st.info(tr("lesson_no_question"))
        return
    st.markdown(md(question.prompt, **question.params))
    labels = [tr(option) if question.translate else option for option in question.options]
    if present.is_on():
        guess = st.radio(tr("lesson_your_prediction"), range(len(labels)), index=None, key=f"{key}_guess", format_func=labels.__getitem__)
    else:
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
