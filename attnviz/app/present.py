"""Present mode: the projector layout every page shares (a sidebar toggle kept in the URL as ``present=1``).

When it is on, a page puts its controls in a narrow column beside its main chart, the
charts' text is at least ``FONT`` px (``fit``), the type is larger (a fixed CSS snippet with
no user content in it), a lesson shows one section per tab, the Explorer's layer and
head step with the arrow keys (``step_buttons``: Streamlit's own button shortcuts), and so do a
lesson's sections (``section_tabs``). On every page the sidebar's widgets sit above the navigation.
"""

from __future__ import annotations

import streamlit as st

from attnviz.app import ui

KEY = "present"  # the toggle's widget key, its name in the kept state and its query parameter
FONT = 18  # the smallest chart text in present mode, px
TITLE_FONT = 22
CHART_HEIGHT = 640  # the main chart's height: at 1280 × 720 it fills the screen below the app's header
WINDOW_MAX = 16  # tokens each way a heatmap draws at full size: 16 rows of 18 px labels fit in its height
LABEL_PITCH = 1.35  # the room, in FONT px, one upright label needs along its axis (its line height)
MAIN_WIDTH = 900  # a figure with no width: the main area's width at 1280 × 720 (the app's wide layout, less the sidebar)
SECTION_KEY = "present_section"  # the open tab of a page's sections (a lesson's), stepped with ← →
CSS = """<style>
[data-testid="stMainBlockContainer"] {padding: 3.2rem 1.5rem 1rem 1.5rem !important;}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] {font-size: 1.3rem !important;}
[data-testid="stMain"] h1 {font-size: 2.2rem !important; padding-top: 0 !important;}
[data-testid="stMain"] h2, [data-testid="stMain"] h3 {font-size: 2rem !important;}
[data-testid="stMain"] .katex {font-size: 1.6em !important;}
[data-testid="stMain"] [data-baseweb="tab"] p {font-size: 1.3rem !important;}
[data-testid="stMain"] [data-testid="stBaseButton-primary"],
[data-testid="stMain"] [data-testid="stBaseButton-secondary"] {min-height: 3rem !important;}
[data-testid="stMain"] [data-testid="stBaseButton-primary"] p {font-size: 1.5rem !important;}
[data-testid="stMain"] [data-testid="stBaseButton-secondary"] p {font-size: 1rem !important;}
[data-testid="stMain"] [data-testid="stWidgetLabel"] p {font-size: 1.1rem !important;}
[data-testid="stMain"] [data-baseweb="select"] {font-size: 1.3rem !important;}
[data-testid="stMetricValue"] {font-size: 3rem !important;}
</style>"""
# On every page, in and out of present mode: the sidebar's own widgets (the language switch and this toggle)
# above the navigation, whose 23 links would push them below a 720 px screen. Streamlit draws its
# navigation first (st.navigation has no slot above it); the flex order moves the widgets up.
SIDEBAR_CSS = """<style>
[data-testid="stSidebarContent"] {display: flex; flex-direction: column;}
[data-testid="stSidebarHeader"] {order: 0;}
[data-testid="stSidebarUserContent"] {order: 1; padding-top: 0 !important; padding-bottom: 0.5rem !important;}
[data-testid="stSidebarNav"] {order: 2;}
</style>"""


def toggle() -> bool:
    """The sidebar's present-mode toggle (key ``present``), drawn once per run by ``app.py`` beside
    the language switch; kept across pages and mirrored in the URL as ``present=1``.

    Returns whether present mode is on (and then adds its CSS to the page).
    """
    store = st.session_state[ui.KEPT]
    if KEY not in store:  # first run of the session: from the link
        store[KEY] = st.query_params.get(KEY) == "1"
    ui.restore(KEY)
    on = st.sidebar.toggle(ui.tr("present_mode"), key=KEY, help=ui.tr("present_mode_help"))
    store[KEY] = on
    if on and st.query_params.get(KEY) != "1":
        st.query_params[KEY] = "1"
    elif not on and KEY in st.query_params:
        del st.query_params[KEY]
    st.html(SIDEBAR_CSS)
    if on:
        st.html(CSS)
    return on


def is_on() -> bool:
    """Whether present mode is on in this session (as the toggle last set it)."""
    return bool(st.session_state.get(ui.KEPT, {}).get(KEY, False))


def fit(fig, height: int | None = None, x_angle: int | None = None):
    """In present mode, ``fig`` with every text at least ``FONT`` px (ticks, axis titles, legend,
    hover, text traces; the title ``TITLE_FONT``), margins that hold the labels, and ``height``
    if given (else its own height, grown by what the margins add); otherwise ``fig`` unchanged. ``x_angle`` turns the x tick labels (−90: upright,
    so neighbouring labels' boxes do not overlap).

    A token axis (``tickmode`` "array": one tick per token) whose labels do not fit its length at ``FONT`` px
    (``LABEL_PITCH`` × ``FONT`` px a label for y and for upright x labels, the longest label's ``_label_room``
    for horizontal x ones; the length from the figure's height or width, ``MAIN_WIDTH`` if it has none, less
    the margins, times the axis's domain) keeps every k-th label's text, k the smallest that fits, and blanks
    the others; its ``tickvals`` and the hover text (every token) are kept. A first axis of text categories
    (a bar per token) is given such an array of ticks (one per category) first. Returns the figure."""
    if not is_on():
        return fig
    fig.update_layout(
        font={"size": FONT}, title_font_size=TITLE_FONT, hoverlabel={"font": {"size": FONT}}, legend={"font": {"size": FONT}},
    )  # fmt: skip
    fig.update_xaxes(tickfont_size=FONT, title_font_size=FONT)
    fig.update_yaxes(tickfont_size=FONT, title_font_size=FONT)
    rows = max(2, int((height or fig.layout.height or 450) / (3 * FONT)))  # automatic ticks: at most one per 54 px of figure
    fig.update_yaxes(nticks=rows, selector=lambda axis: axis.tickmode != "array")
    for update in (fig.update_xaxes, fig.update_yaxes):  # a log axis: labels at powers of ten only (its 2 and 5 labels are drawn small)
        update(dtick=1, selector={"type": "log"})
    fig.update_traces(colorbar={"tickfont": {"size": FONT}, "title": {"font": {"size": FONT}}}, selector={"type": "heatmap"})
    # a bar's value beside it: its own size (which would win over the layout's), not shrunk to the bar's thickness
    fig.update_traces(textfont_size=FONT, constraintext="none", selector={"type": "bar"})
    if x_angle is not None:
        fig.update_xaxes(tickangle=x_angle)
    # Margins set here, not by plotly's automargin: that redraws the chart until the margins settle,
    # about 100 ms more per key press in chromium (median of 20: 325 ms against 225 ms).
    x_room = _label_room(fig.layout.xaxis.ticktext) if x_angle in (-90, 90) else 2 * FONT
    margin = fig.layout.margin
    area = (fig.layout.height or 450) - (100 if margin.t is None else margin.t) - (80 if margin.b is None else margin.b)  # plotly's defaults
    if fig.layout.xaxis.side == "top":  # the key labels take the top, where a title would cover them: it goes under the chart
        fig.update_layout(title={"yref": "container", "y": 0.01, "yanchor": "bottom"}, margin={"t": x_room + 2 * FONT, "b": 3 * TITLE_FONT})
    else:  # above the plot area, clear of the first y label
        fig.update_layout(title={"yref": "paper", "y": 1, "yanchor": "bottom", "pad": {"b": FONT}}, margin={"t": 4 * TITLE_FONT, "b": x_room + 2 * FONT})
    fig.update_layout(margin={"l": _label_room(fig.layout.yaxis.ticktext) + 2 * FONT})
    if height is not None:
        fig.update_layout(height=height)
    elif fig.layout.height is not None:  # a figure sized to its rows keeps its plot area: the larger margins add to its height
        fig.update_layout(height=max(fig.layout.height, area + fig.layout.margin.t + fig.layout.margin.b))
    _thin(fig, x_angle)
    return fig


def _thin(fig, x_angle: int | None) -> None:
    """Blank all but every k-th label of each token axis (``ticktext`` an explicit array) whose labels do not fit
    its length at ``FONT`` px, k the smallest that fits; the ``tickvals`` stay (the grid and cells keep their place)."""
    margin = fig.layout.margin
    sizes = {"x": (fig.layout.width or MAIN_WIDTH) - margin.l - (80 if margin.r is None else margin.r),
             "y": (fig.layout.height or 450) - margin.t - margin.b}  # fmt: skip
    for letter in "xy":  # a first axis of token categories (a bar per token): made an array of ticks, one per token
        axis = fig.layout[f"{letter}axis"]
        if axis.tickmode != "array" and axis.type in (None, "-", "category"):
            names = next((list(trace[letter]) for trace in fig.data if _categories(trace, letter)), [])
            if len(names) > 1:
                axis.update(tickmode="array", tickvals=names, ticktext=names)
    for letter, axes in (("x", fig.select_xaxes()), ("y", fig.select_yaxes())):
        for axis in axes:
            texts = list(axis.ticktext or ())
            if axis.tickmode != "array" or len(texts) < 2:
                continue
            upright = letter == "y" or x_angle in (-90, 90)
            pitch = LABEL_PITCH * FONT if upright else _label_room(texts)  # across the axis, per label
            domain = axis.domain or (0, 1)
            length = sizes[letter] * (domain[1] - domain[0])
            k = next(k for k in range(1, len(texts) + 1) if len(texts) * pitch <= k * length or k == len(texts))
            if k > 1:
                axis.ticktext = [text if i % k == 0 else "" for i, text in enumerate(texts)]


def _categories(trace, letter: str) -> bool:
    """Whether ``trace`` is drawn on the first ``letter`` axis with text (category) coordinates."""
    values = trace[letter] if letter in trace else None
    on_first = (trace[f"{letter}axis"] if f"{letter}axis" in trace else None) in (None, letter)
    return on_first and values is not None and len(values) > 0 and all(isinstance(value, str) for value in values)


def _label_room(ticktext) -> int:
    """Pixels that tick labels of ``FONT`` px need across their axis: about 0.6 em a character, 1 em a CJK one
    (numbers, with no ``ticktext``, as four characters), plus a gap."""
    texts = [str(text) for text in ticktext] if ticktext else ["0000"]
    return int(FONT * max(sum(1.0 if ord(c) >= 0x2E80 else 0.62 for c in text) for text in texts)) + FONT


def step(key: str, delta: int, upper: int) -> None:
    """``on_click`` of a step button: the widget ``key`` (a layer or head picker) moves by ``delta``, wrapping at ``upper``."""
    value = (int(st.session_state.get(key, st.session_state[ui.KEPT].get(key, 0))) + delta) % upper
    st.session_state[key] = st.session_state[ui.KEPT][key] = value


def step_buttons(n_layers: int, n_heads: int, layer_key: str = "layer", head_key: str = "head") -> None:
    """Four buttons (keys ``present_prev_head`` … ``present_next_layer``) with the shortcuts ← → (head) and ↑ ↓ (layer).

    Draw them before the layer and head pickers: their callbacks set the pickers' values.
    """
    buttons = (
        ("present_prev_head", "Left", head_key, -1, n_heads),
        ("present_next_head", "Right", head_key, 1, n_heads),
        ("present_prev_layer", "Up", layer_key, -1, n_layers),
        ("present_next_layer", "Down", layer_key, 1, n_layers),
    )
    for col, (name, shortcut, key, delta, upper) in zip(st.columns(2) * 2, buttons, strict=True):
        col.button(ui.tr(name), key=name, shortcut=shortcut, on_click=step, args=(key, delta, upper), width="stretch")


def step_section(key: str, titles: list[str], delta: int) -> None:
    """``on_click`` of a section button: the tabs ``key`` open the section ``delta`` away (clamped to the first and last)."""
    current = st.session_state.get(key)
    index = titles.index(current) if current in titles else 0
    st.session_state[key] = titles[min(len(titles) - 1, max(0, index + delta))]


def section_tabs(titles: list[str], key: str = SECTION_KEY, buttons=None) -> list:
    """One tab per section (``st.tabs``), and in present mode two buttons, "Previous" (←) and
    "Next" (→), that open the neighbouring tab: a class steps through a lesson with the arrow keys.

    The buttons go above the tabs, or into the container ``buttons`` (e.g. ``controls()``). The open tab
    is the widget state ``key`` (its title; reset to the first when the titles change, e.g. with the
    language). Outside present mode the tabs are Streamlit's plain ones. Returns the tab containers,
    in the order of ``titles``.
    """
    if not is_on():
        return st.tabs(titles)
    if st.session_state.get(key) not in titles:
        st.session_state.pop(key, None)
    index = titles.index(st.session_state[key]) if key in st.session_state else 0
    previous, following = (buttons or st).columns(2)
    previous.button(
        ui.tr("present_prev_section"), key=f"{key}_prev", shortcut="Left", on_click=step_section, args=(key, titles, -1),
        disabled=index == 0, width="stretch",
    )  # fmt: skip
    following.button(
        ui.tr("present_next_section"), key=f"{key}_next", shortcut="Right", on_click=step_section, args=(key, titles, 1),
        disabled=index == len(titles) - 1, width="stretch",
    )  # fmt: skip
    return st.tabs(titles, key=key, on_change="rerun")


def controls():
    """Where a page's controls go: the sidebar in present mode (beside the chart, under the language
    switch and the toggle, above the navigation), the page itself otherwise."""
    return st.sidebar if is_on() else st


def columns(spec: list[int], parent=None) -> list:
    """``parent.columns(spec)`` (default ``controls()``); in present mode ``parent`` once per column: stacked in the sidebar."""
    parent = parent or controls()
    return [parent] * len(spec) if is_on() else parent.columns(spec)
