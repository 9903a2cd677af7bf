"""Streamlit entry point: only the router. Pages live in analytics/ui/."""

import streamlit as st

from analytics.ui import estimator, upload

st.set_page_config(page_title="llm-cost", page_icon="💸", layout="wide")

pages = [
    st.Page(
        estimator.show, title="Estimator", icon=":material/calculate:", url_path="estimator", default=True
    ),
    st.Page(upload.show, title="Upload", icon=":material/upload:", url_path="upload"),
]
st.navigation(pages).run()
