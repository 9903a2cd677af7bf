"""Streamlit entry point: only the router. Pages live in analytics/ui/."""

import streamlit as st

from analytics.ui import estimator

st.set_page_config(page_title="llm-cost", page_icon="💸", layout="wide")

pages = [
    st.Page(
        estimator.show, title="Estimator", icon=":material/calculate:", url_path="estimator", default=True
    ),
]
st.navigation(pages).run()
