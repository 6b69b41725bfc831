"""attnviz: the Streamlit entry point, the frame every page runs in.

Page config, the session's shared state, the navigation (titles in the session's language),
then the widgets every page shares (the language switch and present mode, drawn once, here), then the page.
Start it with ``python -m attnviz.app.serve`` (``make run``): a plain ``streamlit run app.py``
serves a page address opened first on a fresh server in Streamlit's legacy ``pages/`` mode.
"""

import streamlit as st

from attnviz.app import present, ui

st.set_page_config(page_title="attnviz", page_icon="🔎", layout="wide")
ui.init_state()
tr = ui.tr
pages = {
    tr("section_explore"): [
        st.Page("pages/explorer.py", title=tr("page_explorer"), icon="🔎", url_path="home", default=True),
        st.Page("pages/step_by_step.py", title=tr("steps_page"), icon="🧮", url_path="step_by_step"),
        # Streamlit serves the default page at "/" only (its url_path "home" is reserved, not served);
        # this unlisted twin answers /explorer, which people type and links use
        st.Page("pages/explorer.py", title=tr("page_explorer"), icon="🔎", url_path="explorer", visibility="hidden"),
    ],
    tr("dec_section"): [
        st.Page("pages/next_token.py", title=tr("dec_nav_next"), icon="🔮", url_path="next_token"),
        st.Page("pages/generation.py", title=tr("dec_nav_generation"), icon="⏭️", url_path="generation"),
        st.Page("pages/journey.py", title=tr("journey_nav"), icon="🛤️", url_path="journey"),
        st.Page("pages/rope_gqa.py", title=tr("dec_nav_rope_gqa"), icon="🌀", url_path="rope_gqa"),
        st.Page("pages/needle.py", title=tr("needle_nav"), icon="🪡", url_path="needle"),
    ],
    tr("s2s_section"): [
        st.Page("pages/translation.py", title=tr("s2s_nav_translation"), icon="🈯", url_path="translation"),
        st.Page("pages/why_attention.py", title=tr("s2s_nav_why"), icon="🍾", url_path="why_attention"),
        st.Page("pages/train_yourself.py", title=tr("s2s_nav_train"), icon="🏋️", url_path="train_yourself"),
    ],
    tr("instruments_section"): [
        st.Page("pages/head_finder.py", title=tr("hf_nav"), icon="🧭", url_path="head_finder"),
        st.Page("pages/logit_lens.py", title=tr("lens_nav"), icon="🔭", url_path="logit_lens"),
        st.Page("pages/attribution.py", title=tr("attr_nav"), icon="⚖️", url_path="attribution"),
        st.Page("pages/ablation.py", title=tr("abl_nav"), icon="✂️", url_path="ablation"),
        st.Page("pages/minimal_pairs.py", title=tr("pairs_nav"), icon="👯", url_path="minimal_pairs"),
        st.Page("pages/qk_space.py", title=tr("qk_nav"), icon="✳️", url_path="qk_space"),
    ],
    tr("lesson_section"): [
        st.Page("pages/lessons/word_vectors.py", title=tr("lesson1_nav"), icon="🔤", url_path="lesson_word_vectors"),
        st.Page("pages/lessons/search.py", title=tr("lesson2_nav"), icon="🛒", url_path="lesson_search"),
        st.Page("pages/lessons/soft_hard.py", title=tr("lesson3_nav"), icon="🎚️", url_path="lesson_soft_hard"),
        st.Page("pages/lessons/scoring.py", title=tr("lesson4_nav"), icon="⚖️", url_path="lesson_scoring"),
        st.Page("pages/lessons/separate_qk.py", title=tr("lesson5_nav"), icon="🪞", url_path="lesson_separate_qk"),
        st.Page("pages/lessons/positions.py", title=tr("lesson6_nav"), icon="📍", url_path="lesson_positions"),
        st.Page("pages/lessons/block.py", title=tr("lesson7_nav"), icon="🧱", url_path="lesson_block"),
        st.Page("pages/lessons/cost.py", title=tr("lesson8_nav"), icon="⏱️", url_path="lesson_cost"),
        st.Page("pages/lessons/it_reference.py", title=tr("lesson9_nav"), icon="🐾", url_path="lesson_it"),
        st.Page("pages/lessons/multi_head.py", title=tr("lesson10_nav"), icon="🧠", url_path="lesson_multi_head"),
    ],
}
page = st.navigation(pages, expanded=True)  # every page listed: no untranslated "View N more" link
ui.language_switch()  # the widgets every page shares: drawn here once, never by a page
present.toggle()  # present mode (present=1 in the URL): read by pages through present.is_on()
page.run()
