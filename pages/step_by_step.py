"""Step by step: inside one head, with the model's own numbers; masks you can edit; all heads of a layer."""

import streamlit as st

import attnviz
from attnviz.analysis import steps
from attnviz.analysis.metrics import entropy_bits, max_entropy_bits
from attnviz.app import export, present, steps_ui, ui
from attnviz.errors import AttnvizError
from attnviz.plots import maps
from attnviz.plots import steps as step_plots

# This page's widgets have their own keys, seeded from the kept view state (the Explorer's
# sentence, layer and head) and written back to it: a widget's identity includes its page,
# so sharing keys with the Explorer would hand each page the other's stale widget.
SHARED = {"steps_model": "model", "steps_sentence": "sentence", "steps_pair": "sentence_pair", "steps_layer": "layer", "steps_head": "head"}
# A long text's window: four maps with every cell's hover and a dozen strips share the page,
# so it is half the Explorer's (the page then sends about 1 MB at any length).
MOST = maps.WINDOW_MAX // 2
ROPE_HEIGHT = 300  # present mode: RoPE's four rows each labelled (fit gives a figure one y label per 54 px of height)
UPRIGHT = -90  # present mode: token labels upright under a strip (tilted, the boxes of neighbouring 18 px labels overlap)


tr = ui.tr
lang = ui.lang()
st.title(tr("steps_title"))
if not present.is_on():  # present mode: the steps come first, the controls go to the sidebar beside them
    st.caption(tr("steps_intro"))
step_buttons = st.sidebar.container() if present.is_on() else None  # present mode: ← → (Previous/Next step) above the controls

ui.restore("steps_model", "steps_sentence", "steps_pair", kept_as=SHARED)
col_model, col_text, col_pair = present.columns([1, 2, 1])
model_name = col_model.selectbox(tr("model"), list(attnviz.REGISTRY), key="steps_model", format_func=ui.model_labels().get)
with col_model:
    model_name = ui.local_model_folder() or model_name  # any BERT, GPT-2 or Llama folder, where the operator allows it
try:
    decoder = ui.is_decoder(model_name)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()
col_text.text_area(tr("sentence"), key="steps_sentence", height=68, max_chars=ui.MAX_TEXT_CHARS)
if decoder:  # one text, read left to right: no second sentence
    col_pair.caption(tr("dec_no_pair"))
else:
    col_pair.text_input(tr("sentence_pair"), key="steps_pair", max_chars=ui.MAX_TEXT_CHARS)
ui.remember("steps_model", "steps_sentence", "steps_pair", kept_as=SHARED)

text, pair = ui.clip_text(st.session_state["steps_sentence"]), ui.clip_text(st.session_state["steps_pair"])
pair = pair if pair.strip() and not decoder else None
if not text.strip():
    st.info(tr("empty_prompt"))
    st.stop()
try:
    cap = ui.get_capture(model_name, text, pair)
    model = ui.get_model(model_name)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()
if cap.n_truncated:
    st.warning(ui.truncation_note(cap, model_name))
unknown = ui.unknown_tokens_warning(cap, model_name)
if unknown:  # e.g. Chinese: these steps follow the BERT encoder, the Explorer can read it with a decoder
    st.warning(unknown)
    if st.button(tr("unk_open_explorer", reader=ui.model_label(ui.DECODERS[0])), key="unk_open_explorer", on_click=ui.use_model, args=(ui.DECODERS[0],)):
        st.switch_page("pages/explorer.py")

tokens, n = cap.tokens, cap.n_tokens
for key, upper in (("steps_layer", cap.n_layers), ("steps_head", cap.n_heads)):
    if key not in st.session_state and ui.kept(SHARED[key]) >= upper:
        st.session_state[ui.KEPT][SHARED[key]] = 0
ui.restore("steps_layer", "steps_head", kept_as=SHARED)
if st.session_state.get("steps_query", n) >= n:
    st.session_state["steps_query"] = min(1, n - 1)
if "steps_hidden" in st.session_state:
    st.session_state["steps_hidden"] = [pos for pos in st.session_state["steps_hidden"] if pos < n]


token_names = step_plots.position_labels(tokens)  # option labels as data, never a function of this page


col_layer, col_head, col_query = present.columns([1, 1, 1])
layer = col_layer.selectbox(tr("layer"), range(cap.n_layers), key="steps_layer")
head = col_head.selectbox(tr("head"), range(cap.n_heads), key="steps_head")
query = col_query.selectbox(tr("steps_query_token"), range(n), key="steps_query", format_func=token_names.__getitem__)
ui.remember("steps_layer", "steps_head", kept_as=SHARED)
win = range(n)  # the tokens drawn: all of a short text; of a long one, a window of at most MOST
if n > maps.FULL_MAX:
    picked = ui.kept_widget(present.controls().slider, "steps_window", step_plots.window_around(query, n, MOST), tr("window_tokens"), min_value=0, max_value=n - 1)
    win = maps.clamp_range(*picked, n, MOST)
    present.controls().caption(tr("steps_window_note", n=n, lo=win.start, hi=win.stop - 1, most=MOST))
shown = "" if len(win) == n else f" · {win.start}–{win.stop - 1}"  # title suffix: which tokens are drawn
show_tables = present.controls().toggle(tr("steps_show_tables"), key="steps_tables")

hs = steps.head_steps(cap, model, layer, head, query)
out = steps.output_steps(cap, model, layer)
d_model, d_head = hs.X.shape[1], hs.d_head
norm_name = "RMSNorm" if model.config.family == "llama" else "LayerNorm"
if decoder:
    present.controls().info(tr("steps_decoder_note", name=model_name, norm=norm_name, rope=tr("steps_with_rope") if hs.rotary else ""))
token_rows = [token_names[pos] for pos in win]


def show(fig, key: str, table=None, x_angle: int | None = None, height: int | None = None, legend_below: bool = False) -> None:
    """A figure, and under it its numbers (``table``) when the tables toggle is on; ``x_angle`` and ``height`` as ``present.fit``'s,
    ``legend_below``: in present mode a legend above the plot moves to the figure's foot (``steps_ui.legend_below``)."""
    fig = present.fit(fig, height=height, x_angle=x_angle)
    export.chart(steps_ui.legend_below(fig) if legend_below else fig, key=key)
    if show_tables and table is not None:
        st.dataframe(table, key=f"{key}_table")


def strip(values, title: str, key: str, by_token: bool = False, weights: bool = False, cell_text=None) -> None:
    """A vector as a heat strip; ``by_token``: one value per key token (the window's keys are drawn)."""
    fig = step_plots.heat_strip(values, title, lang, col_tokens=tokens if by_token else None, weights=weights, cell_text=cell_text, window=win if by_token else None)
    table = step_plots.vector_table(values[win.start : win.stop], title, token_rows) if by_token else step_plots.vector_table(values, title)
    show(fig, key, table, x_angle=UPRIGHT if by_token else None)


def per_token(values, title: str, key: str) -> None:
    """A ``[pos, dim]`` matrix, one row per token (the window's tokens are drawn)."""
    show(step_plots.heat_strip(values, title, lang, row_tokens=tokens, window=win), key, step_plots.matrix_table(values[win.start : win.stop], token_rows))


tab_steps, tab_scale, tab_masks, tab_heads = st.tabs([tr("steps_tab_steps"), tr("steps_tab_scale"), tr("steps_tab_masks"), tr("steps_tab_heads")])

with tab_steps:
    present.controls().caption(tr("steps_where", layer=layer, head=head, query=query))
    sections = steps_ui.Steps(hs.rotary, buttons=step_buttons)

    with sections.step("input") as (charts, notes):
        notes.latex(rf"x = X_{{{query}}} \in \mathbb{{R}}^{{{d_model}}}, \qquad X \in \mathbb{{R}}^{{{n} \times {d_model}}}")
        if decoder:
            notes.caption(tr("steps_step1_text_decoder", layer=layer, norm=norm_name))
            if norm_name == "RMSNorm":
                resid = steps.layer_input(cap, layer)[query]
                notes.latex(rf"\mathrm{{RMSNorm}}(r) = \frac{{r}}{{\sqrt{{\tfrac{{1}}{{{d_model}}}\sum_c r_c^2 + \epsilon}}}} \odot \gamma")
                notes.caption(tr("steps_rmsnorm_text", rms=f"{float(resid.pow(2).mean().sqrt()):.4f}"))
        else:
            notes.caption(tr("steps_step1_text", layer=layer))
        with charts:
            strip(hs.x, "x", "steps_x")
            per_token(hs.X, f"X{shown}", "steps_X")

    with sections.step("qkv") as (charts, notes):
        notes.latex(
            rf"q = x\,W_Q^{{({head})}} + b_Q^{{({head})}} \in \mathbb{{R}}^{{{d_head}}}, \quad "
            rf"K = X\,W_K^{{({head})}} + b_K^{{({head})}}, \quad V = X\,W_V^{{({head})}} + b_V^{{({head})}} \in \mathbb{{R}}^{{{n} \times {d_head}}}"
        )
        notes.caption(tr("steps_step2_text", d_model=d_model, d_head=d_head, start=head * d_head, end=(head + 1) * d_head - 1, err=hs.projection_error))
        with charts:
            first, second = st.container(), st.container()
            weights_box, vectors_box = (second, first) if present.is_on() else (first, second)  # present mode: q first, its 600 px weights after
        with weights_box:
            for col, name in zip(st.columns(3), "QKV", strict=True):
                with col:
                    weight = getattr(hs, f"W_{name}")
                    show(step_plots.heat_strip(weight, f"W_{name} [{d_model} × {d_head}]", lang), f"steps_W_{name}", step_plots.matrix_table(weight))
        sharing = steps.heads_sharing(cap, head)
        if len(sharing) > 1:
            (notes if present.is_on() else weights_box).caption(tr("steps_gqa_text", head=head, kv=hs.kv_head, heads=", ".join(map(str, sharing)), n_heads=cap.n_heads, n_kv=cap.n_kv_heads))
        with vectors_box:
            strip(hs.q, f"q [{d_head}]", "steps_q")
            per_token(hs.K, f"K [{n} × {d_head}]{shown}", "steps_K")
            per_token(hs.V, f"V [{n} × {d_head}]{shown}", "steps_V")

    if hs.rotary:
        with sections.step("rope") as (charts, notes):
            rope_key = ui.kept_widget(notes.selectbox, "steps_rope_key", 0, tr("steps_rope_text", half=d_head // 2), choices=range(n), format_func=token_names.__getitem__)
            rv = steps.rope_view(cap, layer, head, query, rope_key)
            with charts:
                col_vec, col_pairs = st.columns(2)
                vector_names = [f"{v} {tr(when)}" for v in "qk" for when in ("steps_rope_before", "steps_rope_after")]
                with col_vec:
                    show(
                        step_plots.heat_strip(rv.stacked, tr("steps_rope_vectors_title"), lang, row_names=vector_names),
                        "steps_rope_vectors",
                        step_plots.matrix_table(rv.stacked, vector_names),
                        height=ROPE_HEIGHT,
                    )
                with col_pairs:
                    show(step_plots.rope_pairs_figure(rv.angles_q, rv.angles_k, tr("steps_rope_pairs_title"), lang), "steps_rope_pairs", legend_below=True)
            notes.caption(
                tr("steps_rope_norms", **{name: f"{float(v.norm()):.4f}" for name, v in (("q_before", rv.q_before), ("q_after", rv.q_after), ("k_before", rv.k_before), ("k_after", rv.k_after))})
            )
            series = {tr("steps_rope_before"): rv.scores_before, tr("steps_rope_after"): rv.scores_after}
            with charts if not present.is_on() else notes:
                show(
                    step_plots.weights_compare(series, tokens, tr("steps_rope_scores_title") + shown, lang, win, y_title=tr("steps_score")),
                    "steps_rope_scores",
                    step_plots.series_table(series, token_rows, win),
                    x_angle=UPRIGHT,
                    legend_below=True,
                )

    with sections.step("neuron") as (charts, notes):
        neuron_key = ui.kept_widget(notes.selectbox, "steps_neuron_key", 0, tr("steps_neuron_text", d_head=d_head), choices=range(n), format_func=token_names.__getitem__)
        nv = steps.neuron_view(hs, neuron_key)
        with charts:
            show(
                step_plots.neuron_figure(hs.q, hs.K[neuron_key], nv.products, tr("steps_neuron_title", query=query, key_pos=neuron_key), lang),
                "steps_neuron",
                step_plots.vector_table(nv.products, "q_c · k_c"),
            )
        cols = notes.columns(3)
        cols[0].metric(tr("steps_neuron_sum"), f"{nv.dot:.6f}")
        cols[1].metric(tr("steps_neuron_scale"), f"{nv.scale:.6f}")
        cols[2].metric(tr("steps_neuron_score"), f"{nv.score:.6f}")
        notes.latex(rf"s_{{{query},{neuron_key}}} = \frac{{1}}{{\sqrt{{{d_head}}}}} \sum_{{c=1}}^{{{d_head}}} q_c\, k_{{{neuron_key},c}} = {nv.scale:.6f} \times {nv.dot:.6f} = {nv.score:.6f}")
        captured = float(cap.head_scores_raw(layer, head)[query, neuron_key])
        notes.caption(tr("steps_neuron_captured", captured=f"{captured:.6f}", err=step_plots.small_number(abs(captured - nv.score))))
        if not hs.allowed[neuron_key]:
            notes.caption(tr("steps_neuron_masked"))

    with sections.step("scores") as (charts, notes):
        top = int(hs.scaled.argmax())
        notes.latex(
            rf"q \cdot k_j = \sum_{{c=1}}^{{{d_head}}} q_c\, k_{{j,c}}, \qquad s_j = \frac{{q \cdot k_j}}{{\sqrt{{{d_head}}}}}, \qquad "
            rf"s_{{{top}}} = \frac{{{float(hs.dots[top]):.4f}}}{{{d_head**0.5:.4f}}} = {float(hs.scaled[top]):.4f}"
        )
        notes.caption(tr("steps_step3_text", top=top))
        with charts:
            strip(hs.dots, f"q · kⱼ [{n}]{shown}", "steps_dots", by_token=True)
            strip(hs.scaled, f"sⱼ = q · kⱼ / √{d_head} [{n}]{shown}", "steps_scaled", by_token=True)

    with sections.step("mask") as (charts, notes):
        notes.latex(r"\tilde s_j = s_j + M_{ij}, \qquad M_{ij} \in \{0, -\infty\}")
        notes.caption(tr("steps_causal_step4", query=query, later=n - 1 - query) if decoder else tr("steps_step4_text"))
        with charts:
            show(
                step_plots.mask_strip(hs.allowed, tokens, f"M{step_plots.subscript(query)}ⱼ [{n}]{shown}", lang, win),
                "steps_mask",
                step_plots.mask_table(hs.allowed[win.start : win.stop], token_rows),
                x_angle=UPRIGHT,
            )
            masked_text = step_plots.masked_cell_text(hs.scaled, hs.allowed)
            strip(hs.scaled.masked_fill(~hs.allowed, float("nan")), f"s̃ⱼ [{n}]{shown}", "steps_masked", by_token=True, cell_text=masked_text)

    with sections.step("softmax") as (charts, notes):
        notes.latex(
            rf"w_j = \frac{{e^{{\tilde s_j - m}}}}{{\sum_k e^{{\tilde s_k - m}}}}, \qquad m = \max_k \tilde s_k = {hs.shift:.4f}, \qquad "
            rf"\sum_k e^{{\tilde s_k - m}} = {hs.exp_sum:.4f}"
        )
        notes.caption(tr("steps_step5_text", err=hs.weights_error))
        with charts:
            strip(hs.exp, f"e^(s̃ⱼ − m) [{n}]{shown}", "steps_exp", by_token=True, weights=True)
            strip(hs.weights, f"wⱼ [{n}]{shown}", "steps_weights", by_token=True, weights=True)

    with sections.step("sum") as (charts, notes):
        notes.latex(rf"z = \sum_j w_j\, v_j \in \mathbb{{R}}^{{{d_head}}}")
        notes.caption(tr("steps_step6_text", err=hs.z_error))
        with charts:
            strip(hs.z, f"z [{d_head}]", "steps_z")

    with sections.step("heads") as (charts, notes):
        n_heads = cap.n_heads
        notes.latex(
            rf"\mathrm{{MultiHead}}(X) = \left[z^{{(0)}} \,\|\, \cdots \,\|\, z^{{({n_heads - 1})}}\right] W_O + b_O, \qquad "
            rf"W_O \in \mathbb{{R}}^{{{n_heads * d_head} \times {d_model}}}"
        )
        if out.post_norm:
            notes.latex(
                rf"\mathrm{{LayerNorm}}(r) = \frac{{r - \mu}}{{\sigma}} \odot \gamma + \beta, \qquad r = x + \mathrm{{MultiHead}}(X)_{{{query}}}, \quad "
                rf"\mu = {float(out.mean[query]):.4f}, \quad \sigma = {float(out.std[query]):.4f}"
            )
            notes.caption(tr("steps_step7_text", n=n, width=n_heads * d_head, d_model=d_model, err_out=out.attn_out_error, err_mid=out.resid_mid_error))
        else:
            notes.latex(rf"\mathrm{{resid\_mid}}_{{{query}}} = \mathrm{{resid\_pre}}_{{{query}}} + \mathrm{{MultiHead}}(X)_{{{query}}}")
            notes.caption(tr("steps_step7_text_decoder", n=n, width=n_heads * d_head, d_model=d_model, err_out=out.attn_out_error, err_mid=out.resid_mid_error))
        concat_row = out.by_head(query)  # [head, d_head]
        head_names = [f"{tr('head')} {h}" for h in range(n_heads)]
        with charts:
            show(step_plots.heat_strip(concat_row, tr("steps_concat_title"), lang, row_names=head_names), "steps_concat", step_plots.matrix_table(concat_row, head_names))
            strip(out.attn_out[query], tr("steps_attn_out_title", d_model=d_model), "steps_attn_out")
            strip(out.resid_sum[query], tr("steps_resid_sum_title"), "steps_resid_sum")
            strip(out.resid_mid[query], tr("steps_resid_mid_title"), "steps_resid_mid")


with tab_scale:
    main_chart = steps_ui.chart_first()  # present mode: the weights first, the controls and notes under them
    st.caption(tr("steps_scale_intro"))
    col_toggle, col_slider = st.columns([1, 2])
    scale = col_toggle.toggle(tr("steps_scale_toggle", d_head=d_head), value=True, key="steps_scale")
    temperature = col_slider.slider(tr("steps_temperature"), 0.1, 5.0, 1.0, 0.05, key="steps_temperature")
    variant = steps.variant_weights(hs.dots, hs.allowed, d_head, scale, temperature)
    divisor = rf"\sqrt{{{d_head}}} \cdot {temperature:g}" if scale else f"{temperature:g}"
    st.latex(rf"w_j = \mathrm{{softmax}}_j\!\left(\frac{{q \cdot k_j}}{{{divisor}}}\right)")
    cols = st.columns(4)
    cols[0].metric(tr("steps_entropy_model"), f"{float(entropy_bits(hs.weights)):.4f}")
    cols[1].metric(tr("steps_entropy_variant"), f"{float(entropy_bits(variant)):.4f}")
    cols[2].metric(tr("steps_max_model"), f"{float(hs.weights.max()):.4f}")
    cols[3].metric(tr("steps_max_variant"), f"{float(variant.max()):.4f}")
    st.caption(tr("steps_entropy_note", bits=max_entropy_bits(int(hs.allowed.sum()))))
    series = {tr("steps_model_weights"): hs.weights, tr("steps_variant_weights"): variant}
    with main_chart:
        show(
            step_plots.weights_compare(series, tokens, tr("steps_variant_title") + shown, lang, win),
            "steps_variant",
            step_plots.series_table(series, token_rows, win),
            x_angle=UPRIGHT,
            legend_below=True,
        )
    growth, saturation = ui.softmax_scale_curves()
    st.caption(tr("steps_growth_text"))
    export.chart(present.fit(step_plots.growth_figure(growth, lang, d_head)), key="steps_growth")
    st.caption(tr("steps_saturation_text"))
    export.chart(present.fit(step_plots.saturation_figure(saturation, lang, d_head)), key="steps_saturation")


def head_map(pattern, scores_raw, mask, title: str, key: str, map_tokens=None, window: range | None = None) -> None:
    """One head's map; of a long text only the window's queries and keys (``window``, default ``win``)."""
    window = win if window is None else window
    suffix = "" if len(window) == len(map_tokens or tokens) else f" · {window.start}–{window.stop - 1}"
    fig = maps.attention_heatmap(pattern, map_tokens or tokens, scores_raw, mask, title + suffix, lang, window, window)
    export.chart(present.fit(fig, x_angle=-90), key=key)


with tab_masks:
    names = ["steps_mask_none", "steps_mask_own"] if decoder else ["steps_mask_none", "steps_mask_padding", "steps_mask_causal", "steps_mask_own"]
    sub_tabs = dict(zip(names, st.tabs([tr(name) for name in names]), strict=True))  # a decoder is causal already and runs unpadded
    sub_none, sub_own = sub_tabs["steps_mask_none"], sub_tabs["steps_mask_own"]
    with sub_none:
        main_chart = steps_ui.chart_first()
        st.caption(tr("steps_none_text"))
        with main_chart:
            head_map(cap.pattern[layer, head], cap.head_scores_raw(layer, head), cap.attn_mask, tr("heatmap_title", layer=layer, head=head), "steps_none_map")

    if not decoder:
        with sub_tabs["steps_mask_padding"]:
            st.caption(tr("steps_pad_intro"))
            st.session_state.setdefault("steps_pad_other", "Attention is all you need.")
            other = st.text_input(tr("steps_pad_other"), key="steps_pad_other", max_chars=ui.MAX_TEXT_CHARS)
            if not other.strip():
                st.info(tr("steps_pad_empty"))
            else:
                try:
                    batch = ui.get_batch_captures(model_name, [text, other])
                except AttnvizError as err:
                    ui.show_error(err)
                    batch = []
                short = steps.padded_of(batch) if batch else None
                if batch and short is None:
                    st.info(tr("steps_pad_same", n=batch[0].n_tokens))
                elif batch:
                    padded = batch[short]
                    alone = ui.get_capture(model_name, [text, other][short])
                    check = steps.padding_check(padded, alone)
                    pad_query = min(query, check.n_real - 1)
                    ps = steps.head_steps(padded, model, layer, head, pad_query)
                    st.caption(tr("steps_pad_text", n_real=check.n_real, n_total=check.n_total, n_pad=len(check.pad_positions), query=pad_query))
                    pad_win = maps.clamp_range(*step_plots.window_around(check.n_real, check.n_total, MOST), check.n_total, MOST)  # a long batch: around the first [PAD]
                    real_win = range(pad_win.start, min(pad_win.stop, check.n_real))
                    pad_rows = step_plots.position_labels(padded.tokens)[pad_win.start : pad_win.stop]
                    pad_title = f"M{step_plots.subscript(pad_query)}ⱼ" + ("" if len(pad_win) == check.n_total else f" · {pad_win.start}–{pad_win.stop - 1}")
                    show(
                        step_plots.mask_strip(ps.allowed, padded.tokens, pad_title, lang, pad_win),
                        "steps_pad_mask",
                        step_plots.mask_table(ps.allowed[pad_win.start : pad_win.stop], pad_rows),
                        x_angle=UPRIGHT,
                    )
                    pad_fig = step_plots.heat_strip(ps.weights, f"wⱼ [{check.n_total}]", lang, col_tokens=padded.tokens, weights=True, window=pad_win)
                    show(pad_fig, "steps_pad_weights", step_plots.vector_table(ps.weights[pad_win.start : pad_win.stop], "w", pad_rows), x_angle=UPRIGHT)
                    cols = st.columns(3)
                    cols[0].metric(tr("steps_pad_max_weight"), step_plots.small_number(check.max_pad_weight))
                    cols[1].metric(tr("steps_pad_pattern_diff"), step_plots.small_number(check.max_pattern_diff))
                    cols[2].metric(tr("steps_pad_resid_diff"), step_plots.small_number(check.max_resid_diff))
                    series = {tr("steps_pad_padded"): ps.weights[: check.n_real], tr("steps_pad_alone"): alone.pattern[layer, head, pad_query]}
                    show(step_plots.weights_compare(series, alone.tokens, tr("steps_pad_compare_title"), lang, real_win), "steps_pad_compare", x_angle=UPRIGHT, legend_below=True)
                    title = tr("heatmap_title", layer=layer, head=head)
                    head_map(padded.pattern[layer, head], padded.head_scores_raw(layer, head), padded.attn_mask, title, "steps_pad_map", padded.tokens, pad_win)

        with sub_tabs["steps_mask_causal"]:
            st.caption(tr("steps_causal_text"))
            st.latex(r"M_{ij} = 0 \;\; (j \le i), \qquad M_{ij} = -\infty \;\; (j > i)")
            dec_mask = steps.decoder_mask(cap.attn_mask)
            causal = steps.causal_pattern(cap.head_scores_raw(layer, head), cap.attn_mask)
            future = float(steps.masked_out_weight(cap.pattern[layer, head, query], dec_mask[query]))
            st.metric(tr("steps_causal_future", query=query), f"{future:.4f}")
            show(
                step_plots.mask_strip(dec_mask[query], tokens, f"M{step_plots.subscript(query)}ⱼ{shown}", lang, win),
                "steps_causal_mask",
                step_plots.mask_table(dec_mask[query, win.start : win.stop], token_rows),
                x_angle=UPRIGHT,
            )
            series = {tr("steps_encoder_weights"): cap.pattern[layer, head, query], tr("steps_decoder_weights"): causal[query]}
            show(step_plots.weights_compare(series, tokens, tr("steps_causal_compare_title", query=query) + shown, lang, win), "steps_causal_compare", x_angle=UPRIGHT, legend_below=True)
            head_map(causal, cap.head_scores_raw(layer, head), dec_mask, tr("steps_causal_map_title", layer=layer, head=head), "steps_causal_map")

    with sub_own:
        st.caption(tr("steps_own_text"))
        hidden = st.multiselect(tr("steps_hide"), range(n), key="steps_hidden", format_func=token_names.__getitem__)
        if not hidden:
            st.info(tr("steps_hide_prompt"))
        else:
            try:
                masked_cap = ui.get_masked_capture(model_name, text, pair, sorted(hidden))
            except AttnvizError as err:
                ui.show_error(err)
                masked_cap = None
            if masked_cap is not None:
                cosine = steps.token_cosine(cap, masked_cap)
                cols = st.columns(3)
                cols[0].metric(tr("steps_hidden_weight"), step_plots.small_number(steps.hidden_key_weight(masked_cap, hidden)))
                before = float(steps.masked_out_weight(cap.pattern[layer, head, query], masked_cap.attn_mask[query]))
                cols[1].metric(tr("steps_hidden_before", query=query), f"{before:.4f}")
                cols[2].metric(tr("steps_min_cosine"), f"{float(cosine.min()):.4f}")
                series = {tr("steps_unmasked_weights"): cap.pattern[layer, head, query], tr("steps_masked_weights"): masked_cap.pattern[layer, head, query]}
                show(step_plots.weights_compare(series, tokens, tr("steps_own_compare_title", query=query) + shown, lang, win), "steps_own_compare", x_angle=UPRIGHT, legend_below=True)
                head_map(masked_cap.pattern[layer, head], masked_cap.head_scores_raw(layer, head), masked_cap.attn_mask, tr("heatmap_title", layer=layer, head=head), "steps_own_map")
                st.caption(tr("steps_cosine_text"))
                fig = step_plots.cosine_figure(cosine, tokens, tr("steps_cosine_title") + shown, lang, win)
                show(fig, "steps_cosine", step_plots.vector_table(cosine[win.start : win.stop], "cos", token_rows))

with tab_heads:
    main_chart = steps_ui.chart_first()
    st.caption(tr("steps_heads_text", layer=layer, query=query))
    rows = cap.pattern[layer, :, query]  # [head, key_pos]
    head_names = [f"{tr('head')} {h}" for h in range(cap.n_heads)]
    fig = step_plots.heat_strip(rows, tr("steps_heads_title", layer=layer, query=query) + shown, lang, col_tokens=tokens, row_names=head_names, weights=True, window=win)
    with main_chart:
        show(fig, "steps_heads", step_plots.matrix_table(rows[:, win.start : win.stop], head_names, token_rows), x_angle=UPRIGHT)
    distance = steps.js_distance_matrix(rows)
    (a, b, d_close), (c, e, d_far) = steps.closest_and_farthest(distance)
    st.caption(tr("steps_js_text", a=a, b=b, d_close=d_close, c=c, e=e, d_far=d_far))
    show(step_plots.distance_figure(distance, tr("steps_js_title"), lang), "steps_js", step_plots.matrix_table(distance, head_names, head_names))
