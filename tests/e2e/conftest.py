"""Fixtures for the browser tests: one app server and one chromium per session, a fresh page per test."""

from __future__ import annotations

import pytest
from harness import VIEWPORT, AppServer, launch_browser
from present_checks import PROJECTOR


@pytest.fixture(scope="session")
def app_server():
    with AppServer() as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in its own browser context (its own Streamlit session); ``page.dialogs`` lists every dialog it opened."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    new_page.dialogs = []

    def on_dialog(dialog):
        new_page.dialogs.append(dialog.message)
        dialog.dismiss()

    new_page.on("dialog", on_dialog)
    yield new_page
    context.close()


@pytest.fixture
def projector(browser):
    """A page at 1280 × 720, a projector's screen, with a 2-minute timeout."""
    context = browser.new_context(viewport=PROJECTOR)
    context.set_default_timeout(120_000)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def tokens_of():
    """The bundled model's tokens for a text, straight from its Hugging Face tokenizer."""
    from transformers import AutoTokenizer

    from attnviz.loading.registry import model_folder

    tokenizer = AutoTokenizer.from_pretrained(model_folder("minilm"), local_files_only=True, trust_remote_code=False)
    return lambda text: tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"])


def pytest_collection_modifyitems(items):
    """Every test in this folder drives chromium: marked ``browser`` (left out of the fast subset)."""
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.browser)
