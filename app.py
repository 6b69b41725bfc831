"""attnviz: the Streamlit entry point. Sets up the session and routes to the pages."""

import streamlit as st

from attnviz import ui

st.set_page_config(page_title="attnviz", page_icon="🔎", layout="wide")
ui.init_state()
tr = ui.tr
pages = {
    tr("section_explore"): [
        st.Page("pages/explorer.py", title=tr("page_explorer"), icon="🔎", url_path="explorer", default=True),
        st.Page("pages/step_by_step.py", title=tr("steps_page"), icon="🧮", url_path="step_by_step"),
    ],
}
st.navigation(pages).run()
