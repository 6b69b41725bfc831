"""A class of 50 cannot break the server: no leaked captures, no cache wipes, bounded text and memory.

Issue 16: the model view kept every capture alive through its callback; a ``clear_cache``
message from any client dropped every model and capture (and the conversion lock); a
pasted book was mirrored into the URL and kept per session; concurrent computations
were not counted against the cache budget; ``make run`` served the whole network.
"""

from __future__ import annotations

import gc
import os
import re
import subprocess
import threading
import time
import weakref
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from apptest_helpers import new_app, shown_text

import attnviz
from attnviz.app.cache import CaptureCache, capture_nbytes_bound

REPO = Path(__file__).resolve().parent.parent


def clear_cache_message() -> None:
    """What Streamlit does when any client sends a ``clear_cache`` BackMsg (its own handler, run on a stand-in session)."""
    from streamlit.runtime.app_session import AppSession

    AppSession._handle_clear_cache_request(SimpleNamespace(_session_state=SimpleNamespace(clear=lambda: None)))


@pytest.fixture
def small_cache(monkeypatch):
    """The app's capture cache with a 2 MiB budget (a few short sentences), restored afterwards."""
    from attnviz.app import ui
    monkeypatch.setenv("ATTNVIZ_CACHE_MB", "2")
    ui.capture_cache.clear()
    yield ui.capture_cache()
    monkeypatch.undo()
    ui.capture_cache.clear()


# --- 1. the model view keeps no capture alive ---------------------------------------------


@pytest.fixture
def new_captures(monkeypatch):
    """A weak set of every Capture made from now on (gc.get_objects() misses frozen objects)."""
    made = weakref.WeakSet()
    init = attnviz.Capture.__init__

    def tracked(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.add(self)

    monkeypatch.setattr(attnviz.Capture, "__init__", tracked)
    return made


@pytest.mark.slow
def test_typing_in_the_model_view_keeps_no_capture_beyond_the_cache(small_cache, new_captures):
    at = new_app().run()
    at.radio(key="view").set_value("model").run()
    for i in range(8):
        at.text_area(key="sentence").set_value(f"Student sentence number {i} about a quiet owl.").run()
        assert not at.exception and at.get("plotly_chart")
    gc.collect()
    assert len(small_cache) < 8  # the budget holds only a few: the others must be gone
    typed = [cap for cap in new_captures if cap.text.startswith("Student sentence")]
    assert len(typed) <= len(small_cache) + 1
    assert not any(cap.text.startswith("Student sentence number 0") for cap in new_captures)  # evicted long ago



def test_option_labels_are_data_not_functions_of_a_page():
    """``format_func`` is a lookup in plain data (``labels.get``, ``names.__getitem__``) or a ui function: never a
    lambda or a function defined in a page, which would keep that run's variables (a capture) with the widget."""
    found = {}
    for path in REPO.glob("pages/**/*.py"):
        for value in re.findall(r"\bformat_func=((?:[^,()]|\(\))+)", path.read_text()):
            found[f"{path.name}: {value}"] = value.strip()
    assert found
    bad = [where for where, value in found.items() if not re.fullmatch(r"(ui\.\w+\(\)|\{[^}]*\}|\w+)\.(get|__getitem__)", value)]
    assert bad == []

@pytest.mark.slow
def test_after_a_model_loads_a_full_collection_walks_only_newer_objects():
    from attnviz.app import ui
    ui.get_model.clear()
    try:
        ui.get_model("minilm")
        frozen = gc.get_freeze_count()
        assert frozen > 100_000  # torch, transformers, streamlit and the model, never walked again
        assert len(gc.get_objects()) < frozen / 4  # what Streamlit's collection after each rerun walks
    finally:
        ui.get_model.clear()


def test_widget_callbacks_are_module_functions_that_hold_no_page_variables():
    from attnviz.app import ui
    callbacks = {}
    for path in REPO.glob("pages/**/*.py"):
        for name in re.findall(r"\bon_(?:change|click|select)=([\w.]+)", path.read_text()):
            callbacks[f"{path.name}: {name}"] = name
    assert callbacks and all(name.startswith("ui.") for name in callbacks.values()), callbacks  # not a page's own function
    for name in set(callbacks.values()):
        callback = getattr(ui, name.removeprefix("ui."))
        assert callback.__closure__ is None and callback.__globals__ is vars(ui)


# --- 2. a clear_cache message changes nothing ---------------------------------------------


@pytest.mark.slow
def test_a_clear_cache_message_keeps_the_models_and_the_captures():
    from attnviz.app import ui
    at = new_app().run()
    at.text_area(key="sentence").set_value("The owl watched the harbour all night.").run()
    model, cache = ui.get_model("minilm"), ui.capture_cache()
    cap = cache.get_or_compute(("minilm", "The owl watched the harbour all night.", None), lambda: pytest.fail("not cached"))
    misses = cache.misses
    clear_cache_message()
    at.selectbox(key="head").set_value(3).run()
    at.text_area(key="sentence").set_value("The owl watched the harbour all night.").run()
    assert not at.exception
    assert ui.get_model("minilm") is model and ui.capture_cache() is cache
    assert cache.misses == misses  # the model did not run again
    assert cache.get_or_compute(("minilm", "The owl watched the harbour all night.", None), lambda: pytest.fail("dropped")) is cap


def test_a_clear_cache_message_during_a_conversion_does_not_start_a_second_one(monkeypatch):
    from attnviz.app import ui
    from attnviz.loading import gguf_cache

    done, release, conversions = threading.Event(), threading.Event(), []

    def convert(source, report):
        conversions.append(source)
        release.wait(10)
        done.set()

    monkeypatch.setattr(gguf_cache, "is_complete", lambda folder: done.is_set())
    monkeypatch.setattr(gguf_cache, "converted_folder", convert)
    first = threading.Thread(target=ui.prepare_model, args=("smollm2",))
    first.start()
    while not conversions:
        time.sleep(0.01)
    clear_cache_message()
    second = threading.Thread(target=ui.prepare_model, args=("smollm2",))
    second.start()
    time.sleep(0.3)
    release.set()
    first.join(10)
    second.join(10)
    assert len(conversions) == 1


def test_a_folder_is_one_model_however_its_path_is_spelled(monkeypatch, tmp_path):
    from attnviz.app import ui
    loaded = []
    monkeypatch.setattr(attnviz, "load_model", lambda name: loaded.append(name) or SimpleNamespace(name=name))
    ui.get_model.clear()
    try:
        folder = tmp_path / "model"
        folder.mkdir()
        models = {id(ui.get_model(spelling)) for spelling in (str(folder), f"{folder}/", f"{folder}/.", f"{folder}/../model")}
    finally:
        ui.get_model.clear()
    assert len(models) == 1 and loaded == [str(folder.resolve())]


def test_the_pages_keep_nothing_in_streamlits_caches():
    uses = [str(path.relative_to(REPO)) for path in [*REPO.glob("pages/**/*.py"), *REPO.glob("attnviz/**/*.py"), REPO / "app.py"] if re.search(r"@st\.cache_(resource|data)|st\.cache_(resource|data)\(", path.read_text())]
    assert uses == []


# --- 3. a pasted book ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_pasted_book_is_cut_at_the_box_and_never_mirrored_into_the_url():
    from attnviz.app import ui
    book = "Call me Ishmael. Some years ago, never mind how long precisely. " * 20_000  # 1.3 MB
    at = new_app().run()
    at.text_area(key="sentence").set_value(book).run()
    assert not at.exception
    assert at.text_area(key="sentence").proto.max_chars == ui.MAX_TEXT_CHARS
    assert at.text_area(key="sentence").value == book[: ui.MAX_TEXT_CHARS]  # what the box echoes back
    assert "text" not in at.query_params  # too long for a link: not in the URL at all
    assert len(quote(str(dict(at.query_params)))) < 1000
    assert len(at.session_state[ui.KEPT]["sentence"]) <= ui.MAX_TEXT_CHARS
    assert "does not carry it" in shown_text(at)
    at.text_input(key="sentence_pair").set_value(book).run()
    assert at.text_input(key="sentence_pair").value == book[: ui.MAX_TEXT_CHARS]
    assert "pair" not in at.query_params


@pytest.mark.slow
def test_a_link_carries_a_text_up_to_the_url_limit():
    from attnviz.app import ui
    at = new_app().run()
    text = "The owl watched the harbour. " * 60  # 1,740 characters
    at.text_area(key="sentence").set_value(text).run()
    assert at.query_params["text"] in (text, [text])
    assert len(text) <= ui.MAX_URL_TEXT_CHARS
    long_link = new_app(text="x" * 50_000).run()
    assert len(long_link.text_area(key="sentence").value) <= ui.MAX_URL_TEXT_CHARS


def test_every_text_box_the_pages_draw_is_cut_at_max_chars(monkeypatch):
    from attnviz.app import ui
    for path in REPO.glob("pages/**/*.py"):
        for call in re.findall(r"\.text_(?:area|input)\((.*)", path.read_text()):
            assert "max_chars=ui.MAX_TEXT_CHARS" in call, f"{path.name}: {call}"
    drawn = {}

    def text_input(*args, **kwargs):  # as st.text_input, for ui.kept_widget
        drawn.update(kwargs)
        return "x"

    monkeypatch.setattr(ui.st, "session_state", {ui.KEPT: {}})
    ui.kept_widget(text_input, "box", "default")
    assert drawn["max_chars"] == ui.MAX_TEXT_CHARS


# --- 4. captures being computed count against the budget ----------------------------------


@pytest.mark.slow
def test_concurrent_computations_never_hold_more_than_the_budget():
    budget, held, peak, lock = 1000, [0], [0], threading.Lock()
    cache = CaptureCache(max_bytes=budget)

    def compute(key, size):
        with lock:
            held[0] += size
        time.sleep(0.01)
        with lock:
            peak[0] = max(peak[0], held[0] + cache.nbytes)
            held[0] -= size
        return SimpleNamespace(key=key, nbytes=size)

    def session(seed):
        for step in range(20):
            key, size = (seed, step), 150 + 50 * ((seed + step) % 5)
            assert cache.get_or_compute(key, lambda key=key, size=size: compute(key, size), size).key == key

    threads = [threading.Thread(target=session, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0 < peak[0] <= budget and cache.reserved == 0


def test_a_key_being_computed_is_computed_once_for_all_who_ask():
    cache, calls = CaptureCache(max_bytes=1000), []

    def compute():
        calls.append(1)
        time.sleep(0.2)
        return SimpleNamespace(key="default", nbytes=100)

    threads = [threading.Thread(target=cache.get_or_compute, args=("default", compute, 100)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and cache.hits == 5


def test_a_capture_larger_than_the_budget_runs_alone_and_is_not_kept():
    cache, running, overlap = CaptureCache(max_bytes=100), [], []

    def compute(key, size):
        overlap.append(len(running))
        running.append(key)
        time.sleep(0.05)
        running.remove(key)
        return SimpleNamespace(key=key, nbytes=size)

    threads = [threading.Thread(target=cache.get_or_compute, args=(k, lambda k=k: compute(k, 150), 150)) for k in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlap == [0, 0, 0] and len(cache) == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["minilm", "smollm2"])
@pytest.mark.parametrize("words", [3, 40, 600])
def test_the_reserved_bound_is_what_a_capture_holds_even_after_every_derived_field_is_read(name, words, request):
    model = request.getfixturevalue(name)
    cap = model.run_with_capture("owl " * words)
    _ = cap.pattern.full(), cap.attn_scores[0, 0], cap.resid_mid, cap.resid_pre, cap.q_pre_rope, cap.logits and cap.logits[-1]  # derived, never kept
    assert cap.nbytes == capture_nbytes_bound(model.config, cap.n_tokens)


# --- 9. make run listens on the loopback address unless told ------------------------------


def make_run_command(*assignments: str) -> str:
    out = subprocess.run(["make", "-n", "run", *assignments], cwd=REPO, capture_output=True, text=True, check=True, env={**os.environ, "MAKEFLAGS": ""})
    return next(line for line in out.stdout.splitlines() if "attnviz.app.serve" in line)


def test_make_run_listens_on_the_loopback_address_unless_address_is_given():
    assert "--server.address 127.0.0.1" in make_run_command()
    assert "--server.address 0.0.0.0" in make_run_command("ADDRESS=0.0.0.0")


# --- every capture the app makes reserves its bytes; derived data is kept across reruns ----


@pytest.mark.slow
def test_every_capture_of_the_step_page_reserves_its_bytes_in_the_budget(monkeypatch):
    """The step page's masked and batch captures go through ``ui.cached_capture`` like the others."""
    from attnviz.app.cache import CaptureCache

    reserved = []
    get_or_compute = CaptureCache.get_or_compute

    def recording(self, key, compute, nbytes=0):
        reserved.append((key, nbytes() if callable(nbytes) else nbytes))
        return get_or_compute(self, key, compute, nbytes)

    monkeypatch.setattr(CaptureCache, "get_or_compute", recording)
    at = new_app().run().switch_page("pages/step_by_step.py").run()
    at.text_area(key="steps_sentence").set_value("A reserved owl sat on the old harbour wall.").run()
    at.multiselect(key="steps_hidden").set_value([2]).run()
    at.text_input(key="steps_pad_other").set_value("Cats sleep.").run()
    assert not at.exception
    kinds = {part for key, _ in reserved for part in key if part in ("hidden", "batch")}
    assert {"hidden", "batch"} <= kinds
    assert all(nbytes > 0 for _, nbytes in reserved), reserved


@pytest.mark.slow
def test_the_step_pages_curves_are_computed_once_per_process_not_once_per_rerun(monkeypatch):
    """A store defined in a page script is made anew on every run; the curves live in ``ui``."""
    from attnviz.analysis import steps
    from attnviz.app import ui
    calls = []
    growth = steps.dot_product_growth
    monkeypatch.setattr(steps, "dot_product_growth", lambda d_ks: calls.append(d_ks) or growth(d_ks))
    ui.softmax_scale_curves.clear()
    at = new_app().run().switch_page("pages/step_by_step.py").run()
    at.selectbox(key="steps_head").set_value(3).run()
    at.selectbox(key="steps_head").set_value(5).run()
    assert not at.exception
    assert len(calls) == 1


def test_page_scripts_define_no_process_wide_store():
    """``process_wide`` in a page script would make a new store on every rerun (pages/lessons/classroom.py is a module, imported once)."""
    scripts = [p for p in REPO.glob("pages/**/*.py") if p.name != "classroom.py"]
    assert scripts and [p.name for p in scripts if "process_wide" in p.read_text()] == []


@pytest.mark.parametrize("name", ["minilm", "smollm2"])
def test_the_app_cuts_inputs_to_what_half_the_cache_budget_holds(name, request, monkeypatch):
    from attnviz.app import ui

    model = request.getfixturevalue(name)
    for mb in (1024, 64):
        cache = CaptureCache(mb * 2**20)
        monkeypatch.setattr(ui, "capture_cache", lambda cache=cache: cache)
        n = ui.app_max_tokens(model)
        assert n <= model.max_tokens
        assert capture_nbytes_bound(model.config, n) <= cache.max_bytes // 2
        assert n == model.max_tokens or capture_nbytes_bound(model.config, n + 1) > cache.max_bytes // 2
    assert (name, ui.app_max_tokens(model)) != ("smollm2", model.max_tokens)  # 64 MiB cannot hold 8,192 tokens of SmolLM2
