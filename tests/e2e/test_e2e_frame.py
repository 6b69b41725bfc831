"""A deep link as the very first request to a freshly started server opens the page inside app.py's frame.

Streamlit treats a folder named ``pages/`` as its legacy multipage mode until some session
has run ``st.navigation``: the first request for ``/lesson_search`` would then be looked up
in an automatic list of ``pages/*.py`` files ("Page not found", a second page list, no
frame, no language switch). ``python -m attnviz.app.serve`` (the harness's ``AppServer``)
starts with that mode off.
"""

from __future__ import annotations

import ast
from urllib.parse import urlparse

import pytest
from harness import REPO, AppServer, choose, screenshot, wait_idle

from attnviz.i18n import t

SECTIONS = ("section_explore", "dec_section", "s2s_section", "instruments_section", "lesson_section")


def frame_url_paths() -> set[str]:
    """The address of every page app.py lists in its navigation (read from its source): each ``st.Page``'s
    ``url_path``, "" for the default page (served at the root), none for an unlisted (``visibility="hidden"``) one."""
    paths = set()
    for node in ast.walk(ast.parse((REPO / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            options = {kw.arg: kw.value.value for kw in node.keywords if isinstance(kw.value, ast.Constant)}
            if options.get("visibility") != "hidden":
                paths.add("" if options.get("default") else options["url_path"])
    return paths


@pytest.mark.parametrize(
    "address, lang, title",
    [("lesson_search", "zh", "lesson2_title"), ("step_by_step", "zh", "steps_title"), ("step_by_step", "en", "steps_title")],
)
def test_a_deep_link_as_the_first_request_opens_in_the_frame_in_its_language(page, address, lang, title):
    with AppServer() as fresh:
        page.goto(f"{fresh.url}/{address}?lang={lang}")
        page.get_by_role("heading", name=t(title, lang), exact=True).wait_for()
        wait_idle(page)
        screenshot(page, f"deep-link-{address}-{lang}")
        assert page.get_by_text("Page not found").count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        sidebar = page.locator('[data-testid="stSidebar"]')
        headers = sidebar.locator('[data-testid="stNavSectionHeader"]')
        assert [headers.nth(i).inner_text().strip() for i in range(headers.count())] == [t(key, lang) for key in SECTIONS]
        links = sidebar.locator('[data-testid="stSidebarNavLink"]')
        paths = {urlparse(links.nth(i).get_attribute("href") or "").path.strip("/") for i in range(links.count())}
        assert paths == frame_url_paths()  # app.py's pages, the default one at the root; no file list
        switch = sidebar.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(t("language", lang), exact=True))
        assert switch.count() == 1
        assert switch.locator("input").first.input_value() == {"en": "English", "zh": "中文"}[lang]
        assert urlparse(page.url).path.strip("/") == address


def test_switching_the_language_in_the_sidebar_relabels_the_navigation_and_the_page(app_server, page):
    page.goto(f"{app_server.url}/step_by_step")
    page.get_by_role("heading", name=t("steps_title", "en"), exact=True).wait_for()
    wait_idle(page)
    choose(page, t("language", "en"), "中文", scope='[data-testid="stSidebar"] ')
    page.get_by_role("heading", name=t("steps_title", "zh"), exact=True).wait_for()
    wait_idle(page)
    headers = page.locator('[data-testid="stSidebar"] [data-testid="stNavSectionHeader"]')
    assert [headers.nth(i).inner_text().split("\n")[0].strip() for i in range(headers.count())] == [t(key, "zh") for key in SECTIONS]
    assert page.locator('[data-testid="stSidebar"] [data-testid="stSidebarNavLink"]').filter(has_text=t("lesson2_nav", "zh")).count() == 1
    assert urlparse(page.url).path.strip("/") == "step_by_step" and "lang=zh" in page.url
