"""One token's journey: a decoder's forward pass at one position, stage by stage, each a small figure linked to its page."""

import html

import streamlit as st

from attnviz.analysis import journey
from attnviz.app import export, present, ui
from attnviz.errors import AttnvizError
from attnviz.lessons.safe_text import escape_markdown
from attnviz.plots import journey as journey_plots
from attnviz.plots import steps as step_plots

tr = ui.tr
lang = ui.lang()
N_TOP = 12  # candidates drawn in the logits and sampling stages
KEYS_DRAWN = 20  # a small figure draws the query's nearest keys; the step-by-step page draws them all
PRESENT_HEIGHT = 440  # present mode: a stage's figure, one per tab, at 1280 × 720
if "journey_go" in st.session_state:  # a stage's link was clicked: its callback has set the page's state
    st.switch_page(st.session_state.pop("journey_go"))
st.title(tr("journey_title"))
presenting = present.is_on()  # present mode: the controls in the sidebar, one stage per tab, ← → step through them
stage_buttons = present.controls().container() if presenting else None
if not presenting:
    st.caption(tr("journey_intro"))

col_model, col_prompt = present.columns([1, 2])
model_name = ui.kept_widget(col_model.selectbox, "dec_model", ui.DECODERS[0], tr("dec_model_label"), choices=ui.DECODERS, format_func=ui.model_labels().get)
prompt = ui.kept_widget(col_prompt.text_area, "dec_prompt", ui.DEFAULT_PROMPT, tr("dec_prompt"), height=68)
cap, model = ui.prompt_capture(model_name, prompt)

if st.session_state.get("journey_position_of") != (model_name, prompt):  # a new prompt: the journey of its last token
    st.session_state["journey_position_of"] = (model_name, prompt)
    st.session_state.pop("journey_position", None)
    st.session_state[ui.KEPT].pop("journey_position", None)
labels = step_plots.position_labels(cap.tokens)
col_pos, col_layer, col_head = present.columns([2, 1, 1])
position = ui.kept_widget(col_pos.selectbox, "journey_position", cap.n_tokens - 1, tr("journey_position"), choices=range(cap.n_tokens), format_func=labels.__getitem__)
layer = ui.kept_widget(col_layer.selectbox, "journey_layer", 0, tr("layer"), choices=range(cap.n_layers))
head = ui.kept_widget(col_head.selectbox, "journey_head", 0, tr("head"), choices=range(cap.n_heads))
col_t, col_k, col_p, col_seed = present.columns([1, 1, 1, 1])
temperature = ui.kept_widget(col_t.slider, "journey_temperature", 1.0, tr("dec_temperature"), min_value=0.1, max_value=3.0, step=0.05)
k = ui.kept_widget(col_k.slider, "journey_top_k", 50, tr("dec_top_k"), min_value=1, max_value=200)
p = ui.kept_widget(col_p.slider, "journey_top_p", 0.9, tr("journey_top_p"), min_value=0.05, max_value=1.0, step=0.05, help=tr("journey_top_p_help"))
seed = int(ui.kept_widget(col_seed.number_input, "journey_seed", 0, tr("dec_seed"), min_value=0, max_value=2**31 - 1, step=1))

try:
    j = journey.journey(cap, model, position, layer, head)
    draw = journey.sample(j.logits, temperature, k, p, seed, N_TOP)
except AttnvizError as err:
    ui.show_error(err)
    st.stop()
hs = j.steps
tokens = cap.tokens
norm = "RMSNorm" if model.config.family == "llama" else "LayerNorm"
keys = range(max(0, position + 1 - KEYS_DRAWN), position + 1)  # the nearest keys the query may see (later ones only in the mask stage)
mask_keys = range(keys.start, min(cap.n_tokens, keys.stop + 4))  # and a few later keys, masked
present.controls().caption(tr("journey_where", pos=position, token=escape_markdown(j.token), layer=layer, head=head, n_layers=cap.n_layers))


def link(label_key: str, page: str, key: str) -> None:
    st.button(tr(label_key), key=key, on_click=ui.open_journey_stage, args=(page, model_name, prompt, layer, head, position), type="tertiary")


def span(drawn: range) -> str:
    """A title's note of which keys a strip draws, when not all of them."""
    return "" if drawn.start == 0 and drawn.stop >= cap.n_tokens else f" · {drawn.start}–{drawn.stop - 1}"


def show(fig, key: str) -> None:
    export.chart(present.fit(fig, height=PRESENT_HEIGHT if presenting else None), key=key, config={"displayModeBar": False})


stage_names = ("qkv", "scores", "mask", "softmax", "z", "wo", "resid", "mlp", "final", "logits", "sampling")
titles = [tr("journey_s_embed" if j.pos_embed is None else "journey_s_embed_pos")] + [tr(f"journey_s_{name}") for name in stage_names]
slots = present.section_tabs(titles, key="journey_stage", buttons=stage_buttons) if presenting else None
stages = slots[0:3] if presenting else st.columns(3)
with stages[0]:
    if j.pos_embed is None:
        st.markdown(f"**{tr('journey_s_embed')}**")
        rows = {tr("journey_row_token"): j.token_embed}
        caption = tr("journey_c_embed_rope", id=j.token_id, d_model=j.embed.shape[0])
    else:
        st.markdown(f"**{tr('journey_s_embed_pos')}**")
        rows = {tr("journey_row_token"): j.token_embed, tr("journey_row_position"): j.pos_embed, tr("journey_row_sum"): j.embed}
        caption = tr("journey_c_embed_pos", id=j.token_id, pos=position, err=step_plots.small_number(j.embed_error))
    show(journey_plots.stream_rows(rows, f"“{html.escape(j.token)}” [{j.embed.shape[0]}]", lang), "journey_embed")
    st.caption(caption)
    link("journey_open_explorer", "pages/explorer.py", "journey_link_embed")
with stages[1]:
    st.markdown(f"**{tr('journey_s_qkv')}**")
    qkv = {"q": hs.q, "k": hs.K[position], "v": hs.V[position]}
    show(journey_plots.stream_rows(qkv, f"q, k, v [{hs.d_head}]", lang), "journey_qkv")
    st.caption(tr("journey_c_qkv", norm=norm, head=head, kv=hs.kv_head, err=step_plots.small_number(hs.projection_error)))
    link("journey_open_steps", "pages/step_by_step.py", "journey_link_qkv")
with stages[2]:
    st.markdown(f"**{tr('journey_s_scores')}**")
    show(step_plots.heat_strip(hs.scaled, f"sⱼ [{position + 1}]{span(keys)}", lang, col_tokens=tokens, window=keys), "journey_scores")
    st.caption(tr("journey_c_scores", top=int(hs.scaled[: position + 1].argmax())))
    link("journey_open_steps", "pages/step_by_step.py", "journey_link_scores")

stages = slots[3:6] if presenting else st.columns(3)
with stages[0]:
    st.markdown(f"**{tr('journey_s_mask')}**")
    show(step_plots.mask_strip(hs.allowed, tokens, f"M{step_plots.subscript(position)}ⱼ [{cap.n_tokens}]{span(mask_keys)}", lang, mask_keys), "journey_mask")
    st.caption(tr("journey_c_mask", pos=position, later=cap.n_tokens - 1 - position))
    link("journey_open_steps", "pages/step_by_step.py", "journey_link_mask")
with stages[1]:
    st.markdown(f"**{tr('journey_s_softmax')}**")
    show(step_plots.heat_strip(hs.weights, f"wⱼ [{position + 1}]{span(keys)}", lang, col_tokens=tokens, weights=True, window=keys), "journey_weights")
    top = int(hs.weights.argmax())
    st.caption(tr("journey_c_softmax", w=f"{float(hs.weights[top]):.4f}", top=top, err=step_plots.small_number(hs.weights_error)))
    link("journey_open_explorer", "pages/explorer.py", "journey_link_weights")
with stages[2]:
    st.markdown(f"**{tr('journey_s_z')}**")
    show(journey_plots.stream_rows({"z": hs.z}, f"z [{hs.d_head}]", lang), "journey_z")
    st.caption(tr("journey_c_z", d_head=hs.d_head, err=step_plots.small_number(hs.z_error)))
    link("journey_open_steps", "pages/step_by_step.py", "journey_link_z")

stages = slots[6:9] if presenting else st.columns(3)
d_model = j.embed.shape[0]
with stages[0]:
    st.markdown(f"**{tr('journey_s_wo')}**")
    show(journey_plots.stream_rows({"attn_out": j.attn_out}, f"attn_out [{d_model}]", lang), "journey_attn_out")
    st.caption(tr("journey_c_wo", n_heads=cap.n_heads, d_model=d_model, err=step_plots.small_number(j.attn_out_error)))
    link("journey_open_steps", "pages/step_by_step.py", "journey_link_wo")
with stages[1]:
    st.markdown(f"**{tr('journey_s_resid')}**")
    show(journey_plots.stream_rows({"resid_pre": j.resid_pre, "attn_out": j.attn_out, "resid_mid": j.resid_mid}, f"[{d_model}]", lang), "journey_resid_mid")
    st.caption(tr("journey_c_resid"))
with stages[2]:
    st.markdown(f"**{tr('journey_s_mlp')}**")
    show(journey_plots.stream_rows({"resid_mid": j.resid_mid, "mlp_out": j.mlp_out, "resid_post": j.resid_post}, f"[{d_model}]", lang), "journey_mlp")
    st.caption(tr("journey_c_mlp", norm=norm, err=step_plots.small_number(j.resid_post_error)))

stages = slots[9:12] if presenting else st.columns(3)
top_tokens = model.next_token_strings(cap.token_ids[: position + 1].tolist(), draw.top_ids.tolist())  # a candidate may finish a character
with stages[0]:
    st.markdown(f"**{tr('journey_s_final')}**")
    last = cap.n_layers - 1
    show(journey_plots.stream_rows({"resid_post": j.final_resid, tr("journey_row_normed"): j.final_normed}, f"{tr('layer')} {last} [{d_model}]", lang), "journey_final")
    st.caption(tr("journey_c_final", next=layer + 1, last=last, norm=norm) if layer < last else tr("journey_c_final_last", norm=norm))
with stages[1]:
    st.markdown(f"**{tr('journey_s_logits')}**")
    top_logits = j.logits[draw.top_ids]
    show(journey_plots.top_bars(top_tokens, top_logits, [True] * len(top_tokens), None, tr("journey_top_logits"), tr("journey_logit"), lang, percent=False), "journey_logits")
    st.caption(tr("journey_c_logits", vocab=f"{j.logits.shape[0]:,}", err=step_plots.small_number(j.logits_error)))
    link("journey_open_next", "pages/next_token.py", "journey_link_logits")
with stages[2]:
    st.markdown(f"**{tr('journey_s_sampling')}**")
    kept = set(draw.kept_ids.tolist())
    top_ids = draw.top_ids.tolist()
    sampled_at = top_ids.index(draw.sampled) if draw.sampled in top_ids else None
    show(journey_plots.top_bars(top_tokens, draw.top_probs, [i in kept for i in top_ids], sampled_at, tr("journey_probs_title"), tr("dec_probability"), lang), "journey_sampling")
    st.caption(tr("journey_c_sampling", temperature=f"{temperature:g}", k=k, p=f"{p:g}", kept=len(kept), mass=f"{draw.kept_mass:.1%}"))
    link("journey_open_next", "pages/next_token.py", "journey_link_sampling")

st.markdown(f"**{tr('journey_s_sampled')}**")
sampled_token = model.next_token_strings(cap.token_ids[: position + 1].tolist(), [draw.sampled])[0]
st.success(tr("journey_sampled", seed=seed, token=escape_markdown(sampled_token), p=f"{draw.sampled_prob:.4f}", raw=f"{float(draw.probs[draw.sampled]):.4f}"))
if position + 1 < cap.n_tokens:
    st.caption(tr("journey_actual_next", token=escape_markdown(tokens[position + 1])))
kept_tokens = model.next_token_strings(cap.token_ids[: position + 1].tolist(), draw.kept_ids[:50].tolist())
with st.expander(tr("journey_kept_set", n=len(draw.kept_ids))):
    st.dataframe({tr("dec_candidate"): kept_tokens, tr("dec_probability"): draw.kept_probs[:50].tolist()}, key="journey_kept_table")
link("journey_open_generation", "pages/generation.py", "journey_link_generation")
