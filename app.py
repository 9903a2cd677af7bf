"""Streamlit entry point: only the router. Pages live in analytics/ui/."""

import streamlit as st

from analytics.ui import components, estimator, explore, overview, settings, upload

st.set_page_config(page_title="llm-cost", page_icon="💸", layout="wide")

pages = {
    "overview": st.Page(
        overview.show, title="Overview", icon=":material/dashboard:", url_path="overview", default=True
    ),
    "explore": st.Page(explore.show, title="Explore", icon=":material/query_stats:", url_path="explore"),
    "upload": st.Page(upload.show, title="Upload", icon=":material/upload:", url_path="upload"),
    "estimator": st.Page(
        estimator.show, title="Estimator", icon=":material/calculate:", url_path="estimator"
    ),
    "settings": st.Page(settings.show, title="Settings", icon=":material/settings:", url_path="settings"),
}
components.register_pages(pages)
st.navigation(list(pages.values())).run()
