"""Step by step's "Steps" tab: its sections, stacked under subheaders, or in present mode one per screen.

Out of present mode every step is drawn under its subheader, its formulas and notes above its
charts (the page as it always was). In present mode each step is a tab of ``present.section_tabs``
(← → step through them, the Previous/Next buttons in the sidebar), its chart at the top of the
screen and the step's heading, formulas and notes under the chart.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Iterator, NamedTuple

import streamlit as st

from attnviz.app import present, ui

SECTION_KEY = "steps_section"  # the open step in present mode (not lessons' ``present.SECTION_KEY``)
# (section key, short tab title key, full heading key); RoPE only for a rotary model
SECTIONS = (
    ("input", "steps_sec_input", "steps_step1"),
    ("qkv", "steps_sec_qkv", "steps_step2"),
    ("rope", "steps_sec_rope", "steps_rope_head"),
    ("neuron", "steps_sec_neuron", "steps_neuron_head"),
    ("scores", "steps_sec_scores", "steps_step3"),
    ("mask", "steps_sec_mask", "steps_step4"),
    ("softmax", "steps_sec_softmax", "steps_step5"),
    ("sum", "steps_sec_sum", "steps_step6"),
    ("heads", "steps_sec_heads", "steps_step7"),
)


def section_names(rotary: bool) -> list[str]:
    """The steps shown, in order: every section of ``SECTIONS``, RoPE's only when ``rotary`` (a decoder with rotary positions)."""
    return [name for name, _, _ in SECTIONS if rotary or name != "rope"]


def titles(rotary: bool) -> list[str]:
    """The steps' short tab titles in the session's language (one per ``section_names(rotary)``)."""
    short = {name: title for name, title, _ in SECTIONS}
    return [ui.tr(short[name]) for name in section_names(rotary)]


class Area(NamedTuple):
    """Where a step draws: ``charts`` (a context manager for the charts) and ``notes`` (heading, formulas, captions, its pickers).

    Out of present mode both are the page's own flow, in the order the step draws them; in present
    mode ``charts`` is the top of the step's tab and ``notes`` a container under it.
    """

    charts: AbstractContextManager
    notes: object


def chart_first() -> AbstractContextManager:
    """Where a tab's main chart goes: in present mode a container made here, at the top, so that the chart
    drawn into it later shows above the tab's notes and controls; otherwise a null context (the chart stays
    where it is drawn in the page's flow)."""
    return st.container() if present.is_on() else nullcontext()


class Steps:
    """The Steps tab's sections: ``with steps.step("qkv") as area:`` draws one step (see ``Area``).

    In present mode the section tabs and their Previous/Next buttons (into ``buttons``, e.g. a sidebar
    container) are made at construction, one tab per ``section_names(rotary)``.
    """

    def __init__(self, rotary: bool, buttons=None) -> None:
        self.names = section_names(rotary)
        self.slots = dict(zip(self.names, present.section_tabs(titles(rotary), key=SECTION_KEY, buttons=buttons), strict=True)) if present.is_on() else None

    @contextmanager
    def step(self, name: str) -> Iterator[Area]:
        """Draw the step ``name``: its subheader first out of present mode; in present mode inside its tab,
        its heading in bold under the chart. Raises KeyError for a name not in ``section_names``."""
        heading = ui.tr(next(full for key, _, full in SECTIONS if key == name))
        if self.slots is None:
            st.subheader(heading)
            yield Area(nullcontext(), st)
            return
        with self.slots[name]:
            charts, notes = st.container(), st.container()
            notes.markdown(f"**{heading}**")
            yield Area(charts, notes)


def legend_below(fig, room: int = 2 * present.FONT + 8):
    """In present mode, ``fig``'s legend moved from above the plot (where ``present.fit``'s title would cover it)
    to the figure's foot, with ``room`` px more of bottom margin and height for it; otherwise ``fig`` unchanged.
    Call after ``present.fit``. Returns the figure."""
    if not present.is_on():
        return fig
    margin, height = fig.layout.margin, fig.layout.height or 450
    fig.update_layout(
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        margin={"b": (margin.b or 0) + room}, height=height + room,
    )  # fmt: skip
    return fig
