"""The frame (app.py): the language switch is drawn once, by app.py, and survives reruns and page changes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from apptest_helpers import new_app

from attnviz.i18n import t

ROOT = Path(__file__).resolve().parents[1]
PAGE_SCRIPTS = sorted((ROOT / "pages").rglob("*.py"))
# a page that loads no model and one of each kind: an explorer page, a decoder page, a lesson
VISITS = [
    ("pages/step_by_step.py", "steps_title"),
    ("pages/next_token.py", "dec_next_title"),
    ("pages/lessons/search.py", "lesson2_title"),
    ("pages/explorer.py", "page_explorer"),
]


def language_pickers(at) -> list:
    return [box for box in at.sidebar.selectbox if box.key == "lang"]


def imports(path: Path) -> set[str]:
    """The top-level packages a script imports (``import torch.nn`` -> ``torch``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def calls(path: Path) -> set[str]:
    """The names of the functions a script calls (``ui.language_switch()`` -> ``language_switch``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            found.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return found


def test_no_page_draws_the_language_switch_or_fills_the_state():
    assert len(PAGE_SCRIPTS) >= 16
    for path in [*PAGE_SCRIPTS, ROOT / "attnviz" / "app" / "lesson_frame.py"]:
        assert not {"language_switch", "init_state"} & calls(path), path
    assert {"language_switch", "init_state", "navigation"} <= calls(ROOT / "app.py")


def test_pages_are_thin_no_model_runs_caches_or_tensor_math_of_their_own():
    runs = {"run_with_capture", "run_batch_with_capture", "run_tokens_with_capture", "cached_capture", "process_wide", "cache_data", "cache_resource"}
    for path in PAGE_SCRIPTS:
        assert not {"torch", "numpy", "math", "einops"} & imports(path), path
        assert not runs & calls(path), path


@pytest.mark.slow
def test_the_language_switch_survives_reruns_and_page_changes():
    at = new_app().run()
    assert not at.exception and len(language_pickers(at)) == 1
    at.selectbox(key="lang").set_value("zh").run()
    at.run()  # a rerun on the same page draws the frame again
    assert [box.value for box in language_pickers(at)] == ["zh"]
    assert at.title[0].value == t("page_explorer", "zh")
    for page, title in VISITS:
        at.switch_page(page).run()
        assert not at.exception, page
        assert [box.value for box in language_pickers(at)] == ["zh"], page
        assert at.title[0].value == t(title, "zh")
        at.run()
        assert [box.value for box in language_pickers(at)] == ["zh"], page
    at.switch_page("pages/lessons/search.py").run()
    at.selectbox(key="lang").set_value("en").run()  # switched on a lesson page
    assert at.title[0].value == t("lesson2_title", "en")
    at.switch_page("pages/step_by_step.py").run()
    assert [box.value for box in language_pickers(at)] == ["en"]
    assert at.title[0].value == t("steps_title", "en")


@pytest.mark.slow
def test_a_link_with_lang_opens_a_lesson_in_that_language():
    at = new_app(lang="zh").run().switch_page("pages/lessons/search.py").run()
    assert not at.exception
    assert [box.value for box in language_pickers(at)] == ["zh"]
    assert at.title[0].value == t("lesson2_title", "zh")
    assert at.toggle(key="present").label == t("present_mode", "zh")
