"""Needle in a haystack: a long text with one planted fact, and the heads that retrieve it (Wu et al. 2024)."""

import streamlit as st

from attnviz.app import ui

st.title(ui.tr("needle_title"))
