"""Safe loading and serving: no pickle, no remote code, registry-only picker by default, bounded memory."""

from __future__ import annotations

import json
import pickle
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from apptest_helpers import figures, new_app

import attnviz
from attnviz.app.cache import CaptureCache
from attnviz.loading.registry import model_folder

REPO = Path(__file__).resolve().parent.parent
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


class _OpensAFileWhenUnpickled:
    """A pickle payload: unpickling it creates ``path`` (proof that a loader ran pickle)."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def model_dir(tmp_path: Path, name: str, weights: str = "safetensors", config: dict | None = None) -> Path:
    """A model folder with the bundled model's config and tokenizer, and the given weights."""
    source = model_folder("minilm")
    folder = tmp_path / name
    folder.mkdir()
    cfg = json.loads((source / "config.json").read_text()) | (config or {})
    (folder / "config.json").write_text(json.dumps(cfg))
    for file in TOKENIZER_FILES:
        (folder / file).symlink_to(source / file)
    if weights == "safetensors":
        (folder / "model.safetensors").symlink_to(source / "model.safetensors")
    return folder


@pytest.fixture
def no_unpickling(monkeypatch):
    """Make every pickle entry point (and torch.load) fail loudly for the test's duration."""

    def refuse(*args, **kwargs):
        raise AssertionError("pickle or torch.load was called")

    for target, name in ((torch, "load"), (pickle, "load"), (pickle, "loads"), (pickle, "Unpickler")):
        monkeypatch.setattr(target, name, refuse)


# --- loading ------------------------------------------------------------------------------


def test_a_pickle_in_a_model_folder_is_refused_and_never_unpickled(tmp_path):
    folder = model_dir(tmp_path, "pickled", weights="pickle")
    marker = tmp_path / "unpickled"
    with open(folder / "pytorch_model.bin", "wb") as out:
        pickle.dump({"embeddings.word_embeddings.weight": _OpensAFileWhenUnpickled(marker)}, out)
    with pytest.raises(attnviz.UnsafeWeightsError, match="safetensors") as err:
        attnviz.load_model(folder, device="cpu")
    assert "pytorch_model.bin" in str(err.value)
    assert not marker.exists()


def test_loading_a_model_never_calls_pickle_or_torch_load(tmp_path, no_unpickling):
    model = attnviz.load_model(model_dir(tmp_path, "plain"), device="cpu")
    assert model.run_with_capture("safe and sound").tokens[1:-1] == ["safe", "and", "sound"]


def test_a_config_asking_for_remote_code_never_runs_it(tmp_path, monkeypatch):
    marker = tmp_path / "remote_code_ran"
    auto_map = {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel", "AutoTokenizer": ["evil.EvilTokenizer", None]}
    folder = model_dir(tmp_path, "remote", config={"auto_map": auto_map})
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    import attnviz.loading as loading

    calls = []
    for cls_name in ("AutoConfig", "AutoTokenizer"):
        cls = getattr(loading, cls_name)
        original = cls.from_pretrained

        def recording(*args, _original=original, **kwargs):
            calls.append(kwargs)
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", recording)
    model = attnviz.load_model(folder, device="cpu")
    assert model.run_with_capture("hello").tokens == ["[CLS]", "hello", "[SEP]"]
    assert not marker.exists()
    assert calls and all(not call.get("trust_remote_code") for call in calls)


EVIL_SCRIPT = """
import sys
import attnviz

for folder in sys.argv[1:]:
    try:
        attnviz.load_model(folder, device="cpu").run_with_capture("hello")
        print("loaded")
    except attnviz.ModelLoadError:
        print("refused")
"""


@pytest.mark.slow
@pytest.mark.parametrize("stdin", ["y\n" * 20, None], ids=["answering-y", "stdin-closed"])
def test_a_folder_asking_to_run_its_code_is_refused_without_asking(tmp_path, stdin):
    """transformers asks "run the custom code? [y/N]" on stdin unless trust_remote_code is passed: it must never ask."""
    import subprocess
    import sys

    marker = tmp_path / "remote_code_ran"
    config_code = model_dir(tmp_path, "config-code", config={"auto_map": {"AutoConfig": "evil.EvilConfig"}})
    config = json.loads((config_code / "config.json").read_text())
    del config["model_type"]  # no built-in class: only the folder's code could read it
    (config_code / "config.json").write_text(json.dumps(config))
    tokenizer_code = model_dir(tmp_path, "tokenizer-code")
    (tokenizer_code / "tokenizer_config.json").unlink()
    (tokenizer_code / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "EvilTokenizer", "auto_map": {"AutoTokenizer": ["evil.EvilTokenizer", None]}})
    )
    for folder in (config_code, tokenizer_code):
        (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\nEvilConfig = EvilTokenizer = object\n")
    run = subprocess.run(
        [sys.executable, "-c", EVIL_SCRIPT, str(config_code), str(tokenizer_code)],
        input=stdin, stdin=None if stdin else subprocess.DEVNULL, capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert not marker.exists()
    assert run.returncode == 0, run.stderr[-2000:]
    outcomes = run.stdout.split()
    assert outcomes[0] == "refused"  # no built-in class for a config without model_type
    assert outcomes[1] in ("refused", "loaded")  # transformers may read tokenizer.json with its own class: no code runs
    assert "custom code" not in run.stdout + run.stderr


@pytest.mark.slow
def test_every_from_pretrained_call_passes_trust_remote_code_false():
    """Every transformers ``from_pretrained`` call in the repository says ``trust_remote_code=False`` itself."""
    import ast

    sources = [path for folder in ("attnviz", "pages", "benchmarks", "tests", "scripts") for path in (REPO / folder).rglob("*.py")]
    calls, offenders = 0, []
    for path in [*sources, REPO / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "from_pretrained":
                calls += 1
                given = {kw.arg: kw.value for kw in node.keywords}
                value = given.get("trust_remote_code")
                if not (isinstance(value, ast.Constant) and value.value is False):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert calls >= 8 and offenders == []


def test_the_source_never_enables_remote_code_or_unpickles():
    sources = [*(REPO / "attnviz").rglob("*.py"), REPO / "app.py", *(REPO / "pages").rglob("*.py"), *(REPO / "scripts").rglob("*.py")]
    assert len(sources) > 10
    forbidden = re.compile(r"trust_remote_code\s*=\s*(True|1)|torch\.load\(|\bimport pickle\b|pickle\.loads?\(|weights_only\s*=\s*False")
    offenders = [f"{path}:{n}" for path in sources for n, line in enumerate(path.read_text().splitlines(), 1) if forbidden.search(line)]
    assert offenders == []


# --- the model picker and the operator setting --------------------------------------------


def test_by_default_the_picker_offers_the_registry_only():
    at = new_app(allow_local_models="1").run()  # a URL cannot switch the setting on
    assert not at.exception
    assert at.selectbox(key="model").options == [entry.label for entry in attnviz.REGISTRY.values()]
    assert "local_model" not in [widget.key for widget in at.text_input]


@pytest.mark.parametrize("value", ["0", "false", ""])
def test_the_setting_stays_off_for_other_values(monkeypatch, value):
    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", value)
    at = new_app().run()
    assert "local_model" not in [widget.key for widget in at.text_input]


def test_the_operator_setting_in_secrets_offers_a_folder_box():
    at = new_app()
    at.secrets["allow_local_models"] = True
    at.run()
    assert not at.exception
    assert at.text_input(key="local_model").value == ""


@pytest.mark.slow
def test_with_the_operator_setting_a_local_folder_loads_and_a_pickle_folder_is_refused(monkeypatch, tmp_path):
    from bert_helpers import tiny_bert_pair

    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    hf, _ = tiny_bert_pair(seed=7)
    tiny = tmp_path / "tiny-bert"
    hf.save_pretrained(tiny)  # safetensors
    for file in TOKENIZER_FILES:
        (tiny / file).symlink_to(model_folder("minilm") / file)
    pickled = model_dir(tmp_path, "pickled", weights="pickle")
    marker = tmp_path / "unpickled"
    with open(pickled / "pytorch_model.bin", "wb") as out:
        pickle.dump(_OpensAFileWhenUnpickled(marker), out)

    at = new_app().run()
    at.text_area(key="sentence").set_value("Owls hunt at night.").run()
    at.text_input(key="local_model").set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception and "No model folder" in at.error[0].value

    at.text_input(key="local_model").set_value(str(pickled)).run()
    assert not at.exception and "never loads pickled weights" in at.error[0].value
    assert not marker.exists()

    at.text_input(key="local_model").set_value(str(tiny)).run()
    assert not at.exception and not at.error
    fig = figures(at)[0]
    assert fig["layout"]["xaxis"]["ticktext"] == ["[CLS]", "owls", "hunt", "at", "night", ".", "[SEP]"]
    assert len(at.selectbox(key="head").options) == 4  # the tiny model's heads, not MiniLM's 12


def test_a_typed_folder_is_shown_as_literal_text_never_as_markdown(monkeypatch):
    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    typed = "/nowhere/**bold** [link](http://example.com) $x^2$ <b>"
    at = new_app().run()
    at.text_input(key="local_model").set_value(typed).run()
    assert not at.exception
    shown = at.error[0].value.split("No model folder at ", 1)[1].rsplit(": the folder must", 1)[0]
    assert not re.search(r"(?<!\\)[*\[\]()$<>]", shown)  # every Markdown-significant character escaped
    assert re.sub(r"\\(.)", r"\1", shown) == typed  # unescaped, it is exactly what was typed



def test_a_load_error_naming_a_typed_folder_shows_it_as_literal_text(monkeypatch, tmp_path):
    """``ui.show_error`` escapes an error's params: a folder name is never Markdown."""
    monkeypatch.setenv("ATTNVIZ_ALLOW_LOCAL_MODELS", "1")
    folder = tmp_path / "**bold** [link](http:) $x^2$"
    folder.mkdir()
    (folder / "config.json").write_text("{not json")
    at = new_app().run()
    at.text_input(key="local_model").set_value(str(folder)).run()
    assert not at.exception and at.error
    shown = at.error[0].value
    assert "**bold**" not in shown and "[link](http:)" not in shown and "$x^2$" not in shown
    assert str(folder) in re.sub(r"\\(.)", r"\1", shown)  # unescaped, it names the folder as typed

# --- memory: the capture cache and long texts -----------------------------------------------


def fake_capture(key, nbytes: int):
    return SimpleNamespace(key=key, nbytes=nbytes)


def test_cache_evicts_the_least_recently_used_to_stay_within_its_bytes():
    cache = CaptureCache(max_bytes=300)
    for key in "abc":
        cache.get_or_compute(key, lambda key=key: fake_capture(key, 100))
    assert cache.get_or_compute("a", lambda: pytest.fail("a was cached")).key == "a"  # a is now the newest
    cache.get_or_compute("d", lambda: fake_capture("d", 150))  # must evict b, then c
    assert set(cache._items) == {"a", "d"} and cache.nbytes == 250 and len(cache) == 2
    assert (cache.hits, cache.misses) == (1, 4)


def test_a_capture_larger_than_the_budget_is_returned_but_not_kept():
    cache = CaptureCache(max_bytes=100)
    cache.get_or_compute("small", lambda: fake_capture("small", 60))
    assert cache.get_or_compute("huge", lambda: fake_capture("huge", 101)).key == "huge"
    assert set(cache._items) == {"small"}


@pytest.mark.parametrize("budget", [0, -5])
def test_a_non_positive_budget_is_refused_with_advice(budget):
    with pytest.raises(ValueError, match="ATTNVIZ_CACHE_MB"):
        CaptureCache(max_bytes=budget)


def test_cache_stays_bounded_and_correct_under_concurrent_sessions():
    cache = CaptureCache(max_bytes=1000)
    wrong, errors = [], []

    def session(seed: int) -> None:
        try:
            for step in range(200):
                key = (seed * 7 + step * 3) % 23
                got = cache.get_or_compute(key, lambda key=key: fake_capture(key, 50 + 10 * key))
                if got.key != key:
                    wrong.append((key, got.key))
                if cache.nbytes > 1000:
                    wrong.append(("over budget", cache.nbytes))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=session, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and wrong == []
    assert 0 < cache.nbytes <= 1000


def test_the_cache_budget_comes_from_attnviz_cache_mb(monkeypatch):
    from attnviz.app import ui
    monkeypatch.setenv("ATTNVIZ_CACHE_MB", "2.5")
    ui.capture_cache.clear()
    try:
        assert ui.capture_cache().max_bytes == int(2.5 * 2**20)
    finally:
        ui.capture_cache.clear()


@pytest.mark.slow
def test_512_token_captures_hold_no_pattern_and_the_cache_keeps_its_bound(minilm):
    texts = [f"{word} " * 600 for word in ("cat", "dog", "owl", "fox")]
    caps = [minilm.run_with_capture(text) for text in texts]
    cfg = minilm.config
    pattern_bytes = cfg.n_layers * cfg.n_heads * 512 * 512 * 4  # 72 MiB, derived on access, never kept
    assert all(cap.n_tokens == 512 and cap.n_truncated == 90 for cap in caps)
    per_token = cfg.n_layers * (4 * cfg.n_heads * cfg.d_head + 3 * cfg.d_model) + cfg.d_model  # q, k, v, z, attn_out, resid_mid, resid_post, embed
    assert caps[0].nbytes == 4 * 512 * per_token + 512 * 512 + 2 * 8 * 512 + 8 * cfg.n_heads < pattern_bytes / 2
    cache = CaptureCache(max_bytes=int(2.5 * caps[0].nbytes))
    for text, cap in zip(texts, caps, strict=True):
        cache.get_or_compute(text, lambda cap=cap: cap)
        assert cache.nbytes <= cache.max_bytes
    assert list(cache._items) == texts[2:]


@pytest.mark.slow
def test_a_huge_paste_is_cut_before_tokenizing():
    from attnviz.app import ui
    at = new_app().run()
    at.text_area(key="sentence").set_value("word " * 400_000).run()  # 2,000,000 characters
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert f"longer than {ui.MAX_TEXT_CHARS} characters" in warnings and "tokens were dropped" in warnings
    assert any(caption.value.startswith("512 tokens") for caption in at.caption)  # the map is pooled above 64 tokens
    assert max(len(key[1]) for key in ui.capture_cache()._items) <= ui.MAX_TEXT_CHARS


@pytest.mark.slow
def test_the_model_is_shared_read_only_by_sessions():
    from attnviz.app import ui
    model = ui.get_model("minilm")
    before = {name: param.clone() for name, param in model.network.named_parameters()}
    for sentence in ("First student's sentence.", "Second student's sentence."):
        at = new_app().run()
        at.text_area(key="sentence").set_value(sentence).run()
        at.radio(key="view").set_value("model").run()
        assert not at.exception
    assert ui.get_model("minilm") is model
    assert all(torch.equal(before[name], param) for name, param in model.network.named_parameters())
