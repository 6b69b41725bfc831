"""The only library module that imports Streamlit: shared loaders, session state, language.

Models are loaded once per process and shared read-only by every session; captures live in
one byte-bounded LRU cache (``ATTNVIZ_CACHE_MB``, default 1024). Both are process-wide
stores (``attnviz.app.cache``), not ``st.cache_resource``, so a client's ``clear_cache``
message cannot drop them. The view state (model, text, pair, layer, head, view, language)
lives in ``st.session_state`` and is mirrored in ``st.query_params`` so a shared URL opens
the same view (a text only up to ``MAX_URL_TEXT_CHARS``). Widget callbacks are functions of
this module reading session state only: a function defined in a page would keep that run's
variables (a capture) alive with the widget.
"""

from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from typing import Callable

# pandas is imported here, before any figure: plotly finds it through sys.modules while building
# one, and two sessions' first figures at once saw it half imported (AttributeError in the soak test).
import pandas  # noqa: F401
import streamlit as st

import attnviz
from attnviz.analysis import ablation, attribution, gqa, head_metrics, logit_lens, pairs, retrieval, steps
from attnviz.app.cache import CaptureCache, capture_nbytes_bound, process_wide
from attnviz.errors import AttnvizError, NeedsEncoderDecoderError, NeedsEncoderOrDecoderError
from attnviz.i18n import LANGS, t
from attnviz.lessons.safe_text import escape_markdown
from attnviz.loading import is_model_folder, model_key
from attnviz.loading.registry import conversion_needed, model_folder
from attnviz.loading.seq2seq import is_seq2seq_folder

DEFAULT_TEXT = "The animal didn't cross the street because it was too tired."
EXAMPLES = [
    DEFAULT_TEXT,
    "The animal didn't cross the street because it was too wide.",
    "The trophy doesn't fit into the brown suitcase because it is too large.",
    "The quick brown fox jumps over the lazy dog.",
    "Attention is all you need.",
]
VIEWS = ("head", "model", "lines", "average")

# state key -> (query parameter, default); widget keys are the state keys.
STATE = {
    "model": ("model", "minilm"),
    "sentence": ("text", DEFAULT_TEXT),
    "sentence_pair": ("pair", ""),
    "layer": ("layer", 0),
    "head": ("head", 0),
    "view": ("view", "head"),
    "lang": ("lang", "en"),
}
KEPT = "_kept"
# widgets whose option labels change with the language (see ``_relabel_choices``)
TRANSLATED_CHOICES = ["view", "example", "lesson2_vectors", "lesson9_open_head", *(f"lesson{n}_guess" for n in range(1, 10)), "dec_strategy", "dec_head", "model", "dec_model", "hf_model", "hf_metric", "lens_model", "lens_colour", "steps_model", "qk_model", "qk_method", "qk_colour"]


def _from_query(key: str, raw: str):
    default = STATE[key][1]
    if isinstance(default, int):
        try:
            return max(0, int(raw))
        except ValueError:
            return default
    if key == "lang":
        return raw if raw in LANGS else default
    if key == "view":
        return raw if raw in VIEWS else default
    if key == "model":
        return raw if raw in attnviz.REGISTRY else default
    return raw[:MAX_URL_TEXT_CHARS]


def init_state() -> None:
    """Fill the kept view state once per session, from the URL's query parameters or defaults."""
    if KEPT not in st.session_state:
        kept = {}
        for key, (param, default) in STATE.items():
            kept[key] = _from_query(key, st.query_params[param]) if param in st.query_params else default
        st.session_state[KEPT] = kept


def restore(*keys: str, kept_as: dict[str, str] | None = None) -> None:
    """Before a widget is drawn: give it its current or kept value.

    Streamlit ties a widget to its page: a widget with the same key on another page is a
    new widget that would start from its default, and a widget's state is forgotten on
    pages where it is not drawn. Assigning the value through the Session State API before
    the widget is drawn carries it over in both cases.

    ``kept_as`` maps a page's own widget key to the view-state name it is kept under (e.g.
    the step page's ``steps_layer`` shows the shared ``layer``); other keys are kept as themselves.
    """
    for key in keys:
        name = (kept_as or {}).get(key, key)
        value = st.session_state[key] if key in st.session_state else st.session_state[KEPT][name]
        st.session_state[key] = clip_text(value) if isinstance(value, str) else value


def kept_widget(draw: Callable, key: str, default, *args, choices=None, **kwargs):
    """Draw the widget ``draw(*args, [choices,] key=key, **kwargs)`` with a value kept across page changes.

    Streamlit forgets a widget's value on pages where it is not drawn; the value is kept in
    the session's kept state and given back before the widget is drawn again. For a widget
    with ``choices`` (a selectbox or radio) a kept value that is no longer a choice gives way
    to ``default``; a number (or both ends of a range) is clamped into ``min_value`` … ``max_value``.
    """
    store = st.session_state[KEPT]
    if getattr(draw, "__name__", "") in ("text_area", "text_input"):
        kwargs.setdefault("max_chars", MAX_TEXT_CHARS)
    # A widget's identity includes its page: a value left under the same key by another
    # page's widget is handed over explicitly, or the new widget would start from its default.
    value = st.session_state[key] if key in st.session_state else store.get(key, default)
    if choices is not None and value not in choices:
        value = default
    if isinstance(value, str):
        value = clip_text(value)
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if isinstance(value, (int, float)) and low is not None and high is not None:
        value = min(max(value, low), high)  # a slider's range can shrink with the sentence
    if isinstance(value, tuple) and low is not None and high is not None:
        value = tuple(min(max(v, low), high) for v in value)  # a range slider's, too
    st.session_state[key] = value
    if choices is not None:
        args = (*args, choices)
    value = draw(*args, key=key, **kwargs)
    store[key] = value
    return value


def remember(*keys: str, kept_as: dict[str, str] | None = None) -> None:
    """After widgets are drawn: keep their values and mirror them in the URL (``kept_as`` as in ``restore``).

    A text longer than ``MAX_URL_TEXT_CHARS`` is kept but not put in the URL (its parameter
    is removed: see ``share_note``). A parameter is written only when it changes: each
    write sends the whole query string to the browser.
    """
    for key in keys:
        name = (kept_as or {}).get(key, key)
        value = st.session_state[key]
        st.session_state[KEPT][name] = value
        param = STATE[name][0]
        too_long = isinstance(value, str) and len(value) > MAX_URL_TEXT_CHARS
        if value in ("", None) or too_long:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != str(value):
            st.query_params[param] = str(value)


def share_note(*texts: str) -> str:
    """The sentence saying what a shared link opens: the same view, or (a text too long for a URL) the default text."""
    if max(map(len, texts), default=0) > MAX_URL_TEXT_CHARS:
        return tr("serve_link_without_text", max=MAX_URL_TEXT_CHARS)
    return tr("share_link")


def kept(key: str):
    return st.session_state[KEPT][key]


def lang() -> str:
    return st.session_state.get("lang", st.session_state.get(KEPT, {}).get("lang", "en"))


def tr(key: str, **params) -> str:
    """``t`` in the session's language."""
    return t(key, lang(), **params)


def language_switch() -> None:
    """The sidebar language picker (key ``lang``), drawn once per run by ``app.py``, between
    ``st.navigation`` and the page: every page reads the language, none draws the picker.

    A change applies to the whole run it starts, the navigation's titles included.
    """
    restore("lang")
    st.sidebar.selectbox(
        tr("language"), LANGS, key="lang", format_func={"en": "English", "zh": "中文"}.get, on_change=_relabel_choices
    )
    remember("lang")


def _relabel_choices() -> None:
    """After a language change, re-set every widget whose option labels are translated.

    Streamlit keeps a radio's or selectbox's state as its formatted label, which the new
    language no longer offers; setting the value again from the kept state avoids that.
    A widget with no kept state gets its own value set again: removing it would leave the
    browser showing the old language's label (seen in chromium, not in AppTest).
    """
    for key in TRANSLATED_CHOICES:
        if key in st.session_state[KEPT]:
            st.session_state[key] = st.session_state[KEPT][key]
        elif key in st.session_state:
            st.session_state[key] = st.session_state[key]


def show_error(err: AttnvizError) -> None:
    """An attnviz error as ``st.error`` in the user's language; never a traceback.

    Its params (text or a folder path the user typed) are escaped: they show as typed,
    never as Markdown, a link or a formula.
    """
    st.error(err.message(lang(), escape=escape_markdown))


# --- callbacks (module functions: they hold no page variables) ---------------------------


def use_example() -> None:
    """``on_change`` of the Explorer's example picker: the picked example becomes the sentence."""
    example = st.session_state.get("example")
    if example in EXAMPLES:
        st.session_state["sentence"] = example


MODEL_VIEW_CHART = "model_view_chart"  # the key of the Explorer's model view chart


def open_clicked_head() -> None:
    """``on_select`` of the model view (chart ``MODEL_VIEW_CHART``): open the clicked head in the head view."""
    points = st.session_state[MODEL_VIEW_CHART].selection.points
    if points and "customdata" in points[0]:
        st.session_state["layer"], st.session_state["head"] = (int(v) for v in points[0]["customdata"][:2])
        st.session_state["view"] = "head"


def focus_clicked_token() -> None:
    """``on_select`` of the Explorer's head view (chart ``lines_chart``): a clicked token keeps only its lines,
    as the query or the key its side says; clicking it again shows every token's lines."""
    points = st.session_state["lines_chart"].selection.points
    if points and "customdata" in points[0]:
        position, side = int(points[0]["customdata"][0]), str(points[0]["customdata"][1])
        again = st.session_state.get("lines_focus") == position and st.session_state.get("lines_focus_as") == side
        st.session_state["lines_focus"] = None if again else position
        st.session_state["lines_focus_as"] = side


def move_generation(delta: int) -> None:
    """``on_click`` of the generation page's step buttons: ``delta`` steps forward (or back)."""
    state = st.session_state["dec_gen"]
    state["step"] = max(0, state["step"] + delta)


def restart_generation() -> None:
    """``on_click`` of the generation page's restart button: no generated token."""
    st.session_state["dec_gen"].update(chosen=[], step=0)


# --- models and captures, one store per process ---------------------------------------


@process_wide(key=model_key)
def get_model(name: str) -> attnviz.HookedTransformer:
    """The loaded model ``name``, one per process (one per folder, whatever its spelling: ``model_key``), shared read-only."""
    model = attnviz.load_model(model_key(name))
    freeze_long_lived()
    return model


def freeze_long_lived() -> None:
    """Take every object alive now (modules, loaded models) out of the garbage collector's scans.

    Streamlit runs a full collection after every script run (``runner.postScriptGC``); with
    torch, transformers and a model loaded that walks about 380,000 objects, 0.1–1 s of CPU
    per rerun on the 2-core machine, most of a rerun's server time under load. Frozen objects
    (``gc.freeze``) are never walked again, so a collection sees only what sessions made
    since. Called after a model is loaded; a cycle frozen then is never freed (at most what
    one run held while the model loaded).
    """
    gc.collect()
    gc.freeze()


@process_wide()
def capture_cache() -> CaptureCache:
    """The capture cache shared by all sessions, its budget ``ATTNVIZ_CACHE_MB`` (default 1024) MiB."""
    return CaptureCache(int(float(os.environ.get("ATTNVIZ_CACHE_MB", "1024")) * 2**20))


def app_max_tokens(model: attnviz.HookedTransformer) -> int:
    """The longest input the app captures: the model's own limit, or fewer where one capture would
    hold more than half the cache budget (so that at least two captures fit; ``ATTNVIZ_CACHE_MB``
    raises it). SmolLM2 with the default 1,024 MiB: about 1,660 of its 8,192 tokens."""
    budget = capture_cache().max_bytes // 2
    lo, hi = 1, model.max_tokens
    while lo < hi:  # the largest n whose capture fits: a capture grows with n
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if capture_nbytes_bound(model.config, mid) <= budget else (lo, mid - 1)
    return lo


def truncation_note(cap: attnviz.Capture, model_name: str) -> str:
    """Why a capture was cut: the model's own maximum, or this server's cache budget (and how to raise it)."""
    model = _loaded(model_name)
    if cap.n_tokens < model.max_tokens:
        mb = capture_cache().max_bytes // 2**20
        return tr("truncated_budget", max=cap.n_tokens, dropped=cap.n_truncated, model_max=model.max_tokens, mb=mb)
    return tr("truncated_warning", max=cap.n_tokens, dropped=cap.n_truncated)


def _loaded(model_name: str) -> attnviz.HookedTransformer:
    """``get_model``, with a spinner only while it loads (a spinner costs a timer thread per rerun)."""
    if get_model.has(model_name):
        return get_model(model_name)
    with st.spinner(tr("loading_model", name=model_name)):
        return get_model(model_name)


def cached_capture(model: attnviz.HookedTransformer, key: tuple, n_tokens: Callable[[], int], compute) -> attnviz.Capture:
    """``compute()`` through the shared cache; on a miss its bytes (``capture_nbytes_bound`` for ``n_tokens()``
    tokens) are reserved in the budget while it runs. Every capture the app makes goes through here."""
    cache = capture_cache()
    cap = cache.get(key)
    if cap is not None:
        return cap
    with st.spinner(tr("running_model")):
        return cache.get_or_compute(key, compute, lambda: capture_nbytes_bound(model.config, min(app_max_tokens(model), n_tokens())))


def get_capture(model_name: str, text: str, text_pair: str | None = None) -> attnviz.Capture:
    """The capture of ``text`` (and ``text_pair``) for ``model_name``, computed once and cached.

    Raises:
        AttnvizError: for empty text, an unknown or missing model (shown by ``show_error``).

    Each text is first cut to ``MAX_TEXT_CHARS`` characters (see ``clip_text``).
    """
    text, text_pair = clip_text(text), clip_text(text_pair)
    prepare_model(model_name)
    model = _loaded(model_name)
    key = (model_key(model_name), text, text_pair)

    def n_tokens() -> int:  # tokenizes once more, on a cache miss only
        return model.tokenize(text, text_pair)[0]["input_ids"].shape[1]

    return cached_capture(model, key, n_tokens, lambda: model.run_with_capture(text, text_pair, max_tokens=app_max_tokens(model)))



def prompt_capture(model_name: str, prompt: str, empty_key: str = "dec_empty_prompt") -> tuple[attnviz.Capture, attnviz.HookedTransformer]:
    """The capture of a prompt and its model, for a page that reads one prompt; otherwise the run stops.

    A blank prompt shows ``empty_key``'s hint, an ``AttnvizError`` its message (``show_error``);
    a prompt cut to fit shows why (``truncation_note``).
    """
    if not prompt.strip():
        st.info(tr(empty_key))
        st.stop()
    try:
        cap, model = get_capture(model_name, prompt), get_model(model_name)
    except AttnvizError as err:
        show_error(err)
        st.stop()
    if cap.n_truncated:
        st.warning(truncation_note(cap, model_name))
    return cap, model


def get_batch_captures(model_name: str, texts: list[str]) -> list[attnviz.Capture]:
    """The captures of ``texts`` run as one padded batch (``run_batch_with_capture``), each kept in the shared cache.

    Raises:
        AttnvizError: for an empty text, an unknown or missing model.
    """
    texts = [clip_text(text) for text in texts]
    prepare_model(model_name)
    model = _loaded(model_name)
    ran = []  # the batch runs once, on the first capture the cache misses

    def compute(i: int) -> attnviz.Capture:
        if not ran:
            ran.append(model.run_batch_with_capture(texts))
        return ran[0][i]

    def padded() -> int:  # every capture of the batch has the longest text's length
        return max(model.tokenize(text)[0]["input_ids"].shape[1] for text in texts)

    key = (model_key(model_name), "batch", tuple(texts))
    return [cached_capture(model, (*key, i), padded, lambda i=i: compute(i)) for i in range(len(texts))]


def get_masked_capture(model_name: str, text: str, text_pair: str | None, hidden: list[int]) -> attnviz.Capture:
    """The capture of ``text`` (and ``text_pair``) with the keys at positions ``hidden`` masked from every
    query in every layer (``steps.hide_keys_mask``), computed once and cached.

    Raises:
        AttnvizError: as ``get_capture``; ``PositionError`` for a position outside the text,
            ``InvalidMaskError`` when every key is hidden.
    """
    text, text_pair = clip_text(text), clip_text(text_pair)
    n = get_capture(model_name, text, text_pair).n_tokens
    mask = steps.hide_keys_mask(n, hidden)
    model = _loaded(model_name)
    key = (model_key(model_name), text, text_pair, "hidden", tuple(hidden))
    return cached_capture(model, key, lambda: n, lambda: model.run_with_capture(text, text_pair, attn_mask=mask, max_tokens=app_max_tokens(model)))


# --- derived data the pages show, kept per process --------------------------------------
# Here, not in the pages: a page script runs anew on every rerun, so a store it defined
# would be a new, empty one each time.


@process_wide()
def softmax_scale_curves() -> tuple[steps.DotGrowth, steps.Saturation]:
    """Step by step's two curves for d_k = 1 … 1024 (random vectors, computed once per process):
    how q·k grows with d_k and how softmax saturates without the 1/√d_k (Vaswani et al. 2017, §3.2.1)."""
    d_ks = [2**i for i in range(11)]
    return steps.dot_product_growth(d_ks), steps.softmax_saturation(d_ks)


@process_wide(key=lambda model_name, prompt, cap: (model_key(model_name), prompt), max_entries=16)
def gqa_similarity_by_layer(model_name: str, prompt: str, cap: attnviz.Capture) -> list[tuple[float, float]]:
    """For each layer, the mean pattern similarity of query heads sharing a key/value head and of heads
    that do not (``gqa.within_and_across``); computed once per (model, prompt), the 16 most recent kept."""
    return [gqa.within_and_across(gqa.pattern_similarity(cap.pattern[l]), cap.kv_heads) for l in range(cap.n_layers)]

# --- decoders -------------------------------------------------------------------------

DECODERS = [name for name, entry in attnviz.REGISTRY.items() if entry.decoder]
DEFAULT_PROMPT = "The capital of France is"


_CONVERSION_LOCK = threading.Lock()  # a module global, not st.cache_resource: see the module docstring


def prepare_model(name: str) -> None:
    """Before a bundled GGUF model is first loaded: convert it once (``loading.registry.model_folder``), with a progress bar.

    One conversion per process at a time (a second session waits, then finds it done).
    Problems (a missing package) are left to ``get_model`` to report.
    """
    try:
        if name not in attnviz.REGISTRY or not conversion_needed(name):
            return
    except AttnvizError:
        return
    with _CONVERSION_LOCK:
        if not conversion_needed(name):
            return
        bar = st.progress(0.0, text=tr("dec_converting", name=name))
        model_folder(name, progress=lambda fraction, stage: bar.progress(min(1.0, fraction), text=f"{tr(f'dec_stage_{stage}')} {min(1.0, fraction):.0%}"))
        bar.empty()


def is_decoder(name: str) -> bool:
    """Whether ``name`` (a registry name, or a local folder, which is then loaded) is a decoder."""
    if name in attnviz.REGISTRY:
        return attnviz.REGISTRY[name].decoder
    return get_model(name).config.is_decoder


def model_label(name: str) -> str:
    """What a model picker shows for ``name`` in the user's language (the registry's label, or the folder, otherwise)."""
    try:
        return tr(f"model_label_{name}")
    except KeyError:
        return attnviz.REGISTRY[name].label if name in attnviz.REGISTRY else name


def model_labels() -> dict[str, str]:
    """``model_label`` of every bundled model: a picker's ``format_func`` is its ``.get``, holding no function of the session."""
    return {name: model_label(name) for name in attnviz.REGISTRY}


def unknown_tokens_warning(cap: attnviz.Capture, model_name: str) -> str | None:
    """A warning naming how many of the capture's tokens are [UNK] and the model that reads the text; None if none are."""
    model = get_model(model_name)
    n = model.unknown_count(cap.token_ids.tolist())
    if not n:
        return None
    return tr("unk_warning", n=n, total=cap.n_tokens, unk=model.tokenizer.unk_token, model=model_label(model_name), reader=model_label(DECODERS[0]))


def use_model(name: str) -> None:
    """Callback: the Explorer's model becomes ``name`` (before its picker is drawn again)."""
    st.session_state["model"] = st.session_state[KEPT]["model"] = name


def get_token_capture(model_name: str, token_ids: tuple[int, ...]) -> attnviz.Capture:
    """The capture of a sequence of token ids (a prompt plus generated tokens), computed once and cached.

    Raises:
        AttnvizError: for no ids, an unknown or missing model.
    """
    prepare_model(model_name)
    model = _loaded(model_name)
    key = (model_key(model_name), "tokens", token_ids)
    return cached_capture(model, key, lambda: max(1, len(token_ids)), lambda: model.run_tokens_with_capture(list(token_ids), max_tokens=app_max_tokens(model)))


# --- serving to a class ---------------------------------------------------------------

# The model reads at most 512 tokens, but the tokenizer reads the whole text first: a pasted
# 5 MB text costs about 11 s of CPU and 0.7 GB. 20,000 characters hold 512 tokens of any
# ordinary text. Text boxes take at most that many (``max_chars``: Streamlit cuts what a
# client sends, too). The URL carries a text only up to MAX_URL_TEXT_CHARS: every change of
# the query string is sent whole to the browser, and a long URL is refused by servers.
MAX_TEXT_CHARS = 20_000
MAX_URL_TEXT_CHARS = 2_000
LOCAL_MODELS_ENV = "ATTNVIZ_ALLOW_LOCAL_MODELS"
LOCAL_MODELS_SECRET = "allow_local_models"


def clip_text(text: str | None) -> str | None:
    """``text`` cut to its first ``MAX_TEXT_CHARS`` characters; None stays None."""
    return None if text is None else text[:MAX_TEXT_CHARS]


def local_models_allowed() -> bool:
    """The operator setting that lets users load any model folder on the server from the UI.

    Off by default. On when the environment variable ``ATTNVIZ_ALLOW_LOCAL_MODELS`` is
    1, true, yes or on, or, where that variable is not set, when ``.streamlit/secrets.toml``
    says ``allow_local_models = true``. Users never get it from the URL.
    """
    value = os.environ.get(LOCAL_MODELS_ENV)
    if value is None:
        try:
            value = st.secrets.get(LOCAL_MODELS_SECRET, "")
        except FileNotFoundError:  # no secrets file (or an unreadable one): the default, off
            value = ""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def local_model_folder(encoder_decoder: bool = False) -> str | None:
    """Where the operator allows it, a text box for a model folder on the server (key ``local_model``).

    Returns the folder typed, or None: the setting off, the box empty, or a folder the page
    cannot show, said in an error: no config the loaders read (``config.json``,
    ``attnviz-config.json`` or ``attnviz-seq2seq.json``), or a model of the other kind (an
    encoder–decoder where ``encoder_decoder`` is False, an encoder or decoder where it is
    True). Nothing is loaded here; weights still load only from safetensors.
    """
    if not local_models_allowed():
        return None
    help_key = "serve_local_model_help_s2s" if encoder_decoder else "serve_local_model_help"
    folder = st.text_input(tr("serve_local_model"), key="local_model", help=tr(help_key), max_chars=4096).strip()
    if not folder:
        return None
    path = Path(folder).expanduser()
    if not is_model_folder(path):
        st.error(tr("serve_local_model_missing", path=escape_markdown(folder)))  # typed text, shown literally
        return None
    if is_seq2seq_folder(path) != encoder_decoder:
        show_error(NeedsEncoderDecoderError(name=folder) if encoder_decoder else NeedsEncoderOrDecoderError(name=folder))
        return None
    return folder


@process_wide(key=lambda model_name, prompt_ids, needle, on_step=None: (model_key(model_name), prompt_ids, needle), max_entries=8)
def needle_search(model_name: str, prompt_ids: tuple[int, ...], needle: range, on_step=None) -> retrieval.NeedleSearch:
    """The needle page's run (``retrieval.search``: the greedy answer, every head's retrieval score), once per
    (model, prompt, needle) for the process, the 8 most recent kept; each step's capture goes through the capture cache."""
    stop = {get_model(model_name).tokenizer.eos_token_id}
    return retrieval.search(lambda ids: get_token_capture(model_name, tuple(ids)), prompt_ids, needle, stop, on_step=on_step)


# --- instruments: the head finder and the logit lens ----------------------------------


@process_wide(key=lambda model_name, progress=None: model_key(model_name), max_entries=4)
def probe_scores(model_name: str, progress: Callable[[float], None] | None = None) -> head_metrics.ProbeScores:
    """Every head's metrics on the built-in probe set (``head_metrics.probe_scores``), once per model for
    the process; ``progress(fraction)`` is called while it runs (by the session that computes it)."""
    return head_metrics.probe_scores(get_model(model_name), progress=progress)


def pick_head_from_map() -> None:
    """``on_select`` of the head finder's map (chart ``hf_map``): the clicked head's card opens."""
    points = st.session_state["hf_map"].selection.points
    if points and "customdata" in points[0]:
        st.session_state["hf_layer"], st.session_state["hf_head"] = (int(v) for v in points[0]["customdata"][:2])


def pick_head_from_table() -> None:
    """``on_select`` of the head finder's table (``hf_table``, its rows' heads in ``hf_table_heads``): that head's card opens."""
    rows = st.session_state["hf_table"].selection.rows
    if rows:
        st.session_state["hf_layer"], st.session_state["hf_head"] = st.session_state["hf_table_heads"][rows[0]]


@process_wide(key=lambda model_name, prompt, positions, k, cap: (model_key(model_name), prompt, positions, k), max_entries=16)
def lens_summary(model_name: str, prompt: str, positions: tuple[int, ...], k: int, cap: attnviz.Capture) -> logit_lens.LensSummary:
    """``logit_lens.lens_summary`` of ``cap`` (the capture of ``prompt``) at ``positions``, once per
    (model, prompt, positions, k) for the process, the 16 most recent kept."""
    return logit_lens.lens_summary(cap, list(positions), k)


# --- attribution, ablation and minimal pairs ------------------------------------------


@process_wide(key=lambda model_name, first, second, steps: (model_key(model_name), first, second, steps), max_entries=8)
def explanation(model_name: str, first: str, second: tuple[str, ...], steps: int) -> attribution.Explanation:
    """``attribution.explain`` once per (model, input, output, steps) for the process, the 8 most recent kept.

    ``second``: for a decoder (target, distractor), for an encoder (the second sentence,).

    Raises:
        AttnvizError: for a target that is not one token, an input too long for attention flow.
    """
    model = get_model(model_name)
    out = attribution.logit_difference(model, first, *second) if model.config.is_decoder else attribution.sentence_similarity(model, first, second[0])
    return attribution.explain(model, get_capture(model_name, first), out, steps)


@process_wide(key=lambda model_name, prompt, target, distractor, how, metric, progress=None: (model_key(model_name), prompt, target, distractor, how, metric), max_entries=8)
def head_ablation(model_name: str, prompt: str, target: str, distractor: str, how: str, metric: str, progress=None) -> ablation.HeadMap:
    """``ablation.ablation_map`` once per (model, prompt, tokens, how, metric) for the process, the 8 most recent kept."""
    return ablation.ablation_map(get_model(model_name), prompt, target, distractor, how, metric, progress)


@process_wide(key=lambda model_name, prompt, donor, target, distractor, metric, progress=None: (model_key(model_name), prompt, donor, target, distractor, metric), max_entries=8)
def head_patching(model_name: str, prompt: str, donor: str, target: str, distractor: str, metric: str, progress=None) -> ablation.HeadMap:
    """``ablation.patching_map`` once per (model, prompts, tokens, metric) for the process, the 8 most recent kept."""
    return ablation.patching_map(get_model(model_name), prompt, donor, target, distractor, metric, progress)


def pair_difference(model_name: str, text_a: str, text_b: str) -> pairs.PairDifference:
    """``pairs.pattern_difference`` of the two texts' cached captures.

    Raises:
        AttnvizError: for an empty text, or texts of different token counts (``PairLengthError``).
    """
    return pairs.pattern_difference(get_capture(model_name, text_a), get_capture(model_name, text_b))


def open_in_explorer(model_name: str, text: str, layer: int, head: int) -> None:
    """Open ``text`` in the Explorer's head view at (layer, head) with ``model_name``."""
    st.session_state[KEPT].update(model=model_name, sentence=text, sentence_pair="", layer=layer, head=head, view="head")
    for key in ("model", "sentence", "sentence_pair", "layer", "head", "view"):
        st.session_state.pop(key, None)
    st.switch_page("pages/explorer.py")


def open_journey_stage(page: str, model_name: str, prompt: str, layer: int, head: int, position: int) -> None:
    """Callback of a journey stage's link: the detailed page opens on this model, text, layer, head and position."""
    kept = st.session_state[KEPT]
    if page in ("pages/step_by_step.py", "pages/explorer.py"):  # the Explorer's view state, shared with Step by step
        kept.update(model=model_name, sentence=prompt, sentence_pair="", layer=layer, head=head)
        for key in ("model", "sentence", "layer", "head", "steps_model", "steps_sentence", "steps_layer", "steps_head"):
            st.session_state.pop(key, None)  # a widget left from an earlier visit would keep its old value
        st.session_state["steps_query"] = position
    else:  # Next token, Generation: the decoder pages' own state (model and prompt are shared already)
        kept["dec_position"] = position
        st.session_state["dec_position_of"] = (model_name, prompt)
        st.session_state["dec_position"] = position
    st.session_state["journey_go"] = page
