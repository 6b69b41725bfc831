"""The Attention Explorer: type a sentence, inspect every layer and head of a real model."""

import streamlit as st

import attnviz
from attnviz.analysis import overview
from attnviz.app import export, present, ui
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.model import token_labels
from attnviz.plots import maps

tr = ui.tr
MODEL_VIEW_MAX = 2048  # above this, every head's pooled map takes minutes on a CPU: pick a head instead
presenting = present.is_on()
# present mode: the controls in a narrow column beside the chart, which fills the rest of the screen
controls, main = st.columns([1, 3], gap="small") if presenting else (st.container(), st.container())


def columns(spec: list[int], parent=controls) -> list:
    """Side by side normally; stacked in present mode's narrow controls column."""
    return [parent] * len(spec) if presenting else parent.columns(spec)


controls.title(tr("page_explorer"))
pickers = controls.container()  # present mode: view, layer and head first, above the text (filled once the text is read)
if not presenting:
    controls.caption(tr("explorer_intro"))

ui.restore("model", "sentence", "sentence_pair", "view")


capture_box = st.sidebar.expander(tr("export_capture_box"))  # in the sidebar: the chart stays in view
loaded = export.uploaded_capture(capture_box)  # a saved capture: shown as it was captured, no model runs
if loaded is None:
    col_model, col_example = columns([1, 2])
    col_model.selectbox(tr("model"), list(attnviz.REGISTRY), key="model", format_func=ui.model_labels().get)
    with controls:
        local_folder = ui.local_model_folder()  # None unless the operator allows local folders
    # "pick an example" is the placeholder, not an option: a translated option label would stay
    # in the old language in the browser after a language switch
    col_example.selectbox(tr("examples"), ui.EXAMPLES, index=None, placeholder=tr("example_none"), key="example", on_change=ui.use_example)
    controls.text_area(tr("sentence"), key="sentence", height=80, max_chars=ui.MAX_TEXT_CHARS)
    try:
        decoder = ui.is_decoder(local_folder or st.session_state["model"])
    except AttnvizError as err:
        ui.show_error(err)
        st.stop()
    if decoder:  # one text, read left to right: no second sentence
        controls.caption(tr("dec_no_pair"))
    else:
        controls.text_input(tr("sentence_pair"), key="sentence_pair", max_chars=ui.MAX_TEXT_CHARS)
    ui.remember("model", "sentence", "sentence_pair")

    text, pair = st.session_state["sentence"], "" if decoder else st.session_state["sentence_pair"]
    with controls:
        if not text.strip():
            st.info(tr("empty_prompt"))
            st.stop()
        if max(len(text), len(pair)) >= ui.MAX_TEXT_CHARS:  # the box cut it there
            st.warning(tr("serve_text_clipped", max=ui.MAX_TEXT_CHARS))
        try:
            cap = ui.get_capture(local_folder or st.session_state["model"], text, pair if pair.strip() else None)
        except AttnvizError as err:
            ui.show_error(err)
            st.stop()

        if cap.n_truncated:
            st.warning(ui.truncation_note(cap, local_folder or st.session_state["model"]))
        unknown = ui.unknown_tokens_warning(cap, local_folder or st.session_state["model"])
        if unknown:  # e.g. Chinese for MiniLM: offer the model that reads it
            st.warning(unknown)
            st.button(tr("unk_switch", reader=ui.model_label(ui.DECODERS[0])), key="unk_switch", on_click=ui.use_model, args=(ui.DECODERS[0],))
        if token_labels.has_split_characters(cap.tokens):  # a byte-level model: 奖¹ 奖² need a word of explanation
            st.caption(tr("dec_token_legend"))
    export.capture_download(capture_box, cap, local_folder or st.session_state["model"], text, pair if pair.strip() else None)
else:
    cap, text, pair = loaded, loaded.text, loaded.text_pair or ""
    summary = dict(model=escape_markdown(cap.model_name), n=cap.n_tokens, layers=cap.n_layers, heads=cap.n_heads, text=escape_markdown(text))
    controls.info(tr("export_capture_loaded", **summary))  # the file's text is the user's: never markdown

for key, upper in (("layer", cap.n_layers), ("head", cap.n_heads)):
    if key not in st.session_state and ui.kept(key) >= upper:
        st.session_state[ui.KEPT][key] = 0
ui.restore("layer", "head")

with pickers if presenting else controls:
    if presenting:  # ← → head, ↑ ↓ layer: Streamlit's button shortcuts; their callbacks set the pickers below
        present.step_buttons(cap.n_layers, cap.n_heads)
col_view, col_layer, col_head = columns([2, 1, 1], pickers if presenting else controls)
view_labels = {v: tr(f"view_{v}") for v in ui.VIEWS}
col_view.radio(tr("view"), ui.VIEWS, key="view", format_func=view_labels.get, horizontal=True)
layer = col_layer.selectbox(tr("layer"), range(cap.n_layers), key="layer")
head = col_head.selectbox(tr("head"), range(cap.n_heads), key="head")
ui.remember("view", "layer", "head")
if loaded is None:  # a link, and the step page, run the typed text: not a loaded capture's
    controls.caption(tr("tokens_summary", n=cap.n_tokens) + " · " + ui.share_note(text, pair))
    controls.page_link("pages/step_by_step.py", label=tr("steps_link", layer=layer, head=head), icon="🧮")
else:
    controls.caption(tr("tokens_summary", n=cap.n_tokens))

view, lang, n = st.session_state["view"], ui.lang(), cap.n_tokens
most = present.WINDOW_MAX if presenting else maps.WINDOW_MAX  # in present mode fewer tokens, each label 18 px
queries = keys = None  # the window of a long text, drawn at full resolution beside the pooled overview
if n > min(most, maps.FULL_MAX) and view != "model":
    col_q, col_k = columns([1, 1])
    window = (0, most - 1) if presenting else (0, maps.WINDOW_MAX // 2 - 1)
    picked_q = ui.kept_widget(col_q.slider, "window_queries", window, tr("window_queries"), min_value=0, max_value=n - 1)
    picked_k = ui.kept_widget(col_k.slider, "window_keys", window, tr("window_keys"), min_value=0, max_value=n - 1)
    queries, keys = maps.clamp_range(*picked_q, n, most), maps.clamp_range(*picked_k, n, most)
    controls.caption(tr("present_window_note", most=most) if presenting else tr("window_note", n=n, most=most))
    for picked, shown in ((picked_q, queries), (picked_k, keys)):
        if picked[1] - picked[0] + 1 > len(shown):
            controls.caption(tr("window_clamped", most=most, lo=shown.start, hi=shown.stop - 1))
hidden = []
if view in ("head", "average") and ui.kept_widget(controls.toggle, "hide_sinks", False, tr("sinks_toggle"), help=tr("sinks_help")):
    hidden = maps.sink_keys(cap.tokens)


def draw_map(heads: slice, title: str, key: str) -> None:
    """One map: whole for a short text; for a long one the pooled overview beside the window."""
    pattern = overview.layer_map(cap, layer, heads)  # derived only where drawn
    scores_raw = overview.layer_map(cap, layer, heads, kind="raw") if heads.stop - heads.start == 1 else None
    if queries is None:
        pooled, block, zmax = None, 1, maps.colour_max(pattern.full(), cap.attn_mask, hidden)
    else:
        block = maps.overview_block(n)
        pooled = overview.pooled_map(cap, layer, heads, block, hidden)
        zmax = overview.largest(pooled)
    if hidden:
        named = ", ".join(f"{j} {escape_markdown(cap.tokens[j])}" for j in hidden)  # tokens are the user's text: never markdown
        controls.caption(tr("sinks_note", hidden=named, zmax=zmax))
    fig = maps.attention_heatmap(pattern, cap.tokens, scores_raw, cap.attn_mask, title, lang, queries, keys, hidden, zmax=zmax)
    present.fit(fig, height=present.CHART_HEIGHT, x_angle=-90)
    if pooled is None:
        export.chart(fig, f"{key}_layer{layer}", key=key)
        return
    overview_title = tr("overview_title", n=n, b=block) if block > 1 else tr("overview_title_whole", n=n)
    # present mode: the window fills the chart column, the overview (few labels) goes under the controls
    col_overview, col_window = (controls, st.container()) if presenting else st.columns([2, 3])
    overview_fig = maps.attention_overview(pooled, block, cap.tokens, overview_title, lang, queries, keys, labels_shown=6 if presenting else 16)
    export.chart(present.fit(overview_fig, height=420), f"{key}_overview_layer{layer}", key=f"{key}_overview", container=col_overview)
    export.chart(fig, f"{key}_layer{layer}_window", key=key, container=col_window)


if view == "lines":  # the head view's controls
    heads = controls.multiselect(tr("heads_shown"), range(cap.n_heads), default=[head], key="lines_heads")
    threshold = ui.kept_widget(controls.slider, "lines_threshold", 0.02, tr("lines_threshold"), min_value=0.0, max_value=0.5, step=0.01)
    shown = list(queries or range(n)) + [j for j in (keys or range(n)) if j not in (queries or range(n))]
    focus_labels = {None: tr("lines_focus_all")} | {p: f"{p} {cap.tokens[p]}" for p in shown}  # plain text, never markdown
    if st.session_state.get("lines_focus") not in focus_labels:  # a token of another text or window
        st.session_state["lines_focus"] = None
    focus = controls.selectbox(tr("lines_focus"), list(focus_labels), key="lines_focus", format_func=focus_labels.get)
    as_labels = {"query": tr("lines_as_query"), "key": tr("lines_as_key")}
    focus_as = controls.radio(tr("lines_focus_as"), ("query", "key"), key="lines_focus_as", format_func=as_labels.get, horizontal=True)
    pair_filter = "all"
    if int(cap.token_type_ids.max()) > 0:  # a sentence pair
        pair_labels = {f: tr(f"lines_pair_{f}") for f in maps.PAIR_FILTERS}
        pair_filter = controls.radio(tr("lines_pair_filter"), maps.PAIR_FILTERS, key="lines_pair", format_func=pair_labels.get, horizontal=True)
    controls.caption(tr("lines_help"))

with main:
    if view == "head":
        draw_map(slice(head, head + 1), tr("heatmap_title", layer=layer, head=head), "head_chart")
    elif view == "model" and n > MODEL_VIEW_MAX:
        st.info(tr("model_view_too_long", n=n, most=MODEL_VIEW_MAX))
    elif view == "model":
        st.caption(tr("model_view_help"))
        side, block = maps.model_view_pooling(cap.n_layers, cap.n_heads, n)
        if block > 1:
            st.caption(tr("model_view_pooled", n=n, side=side, b=block))
        with st.spinner(tr("model_view_computing")):
            fig = present.fit(maps.model_view(overview.pooled_maps(cap, block), block, lang), height=present.CHART_HEIGHT)
        export.chart(fig, "model_view", key=ui.MODEL_VIEW_CHART, on_select=ui.open_clicked_head, selection_mode="points")
    elif view == "lines":
        fig = maps.head_lines(
            overview.layer_heads(cap, layer), cap.tokens, heads, tr("lines_title", layer=layer), lang, threshold, queries, keys,
            focus=focus, focus_as=focus_as, segments=cap.token_type_ids.tolist(), pair_filter=pair_filter,
        )  # fmt: skip
        rows = max(len(queries or range(n)), len(keys or range(n)))
        present.fit(fig, height=max(present.CHART_HEIGHT, 140 + 28 * rows))
        export.chart(fig, f"head_lines_layer{layer}", key="lines_chart", on_select=ui.focus_clicked_token, selection_mode="points")
    else:
        draw_map(slice(0, cap.n_heads), tr("average_title", layer=layer, n=cap.n_heads), "average_chart")
