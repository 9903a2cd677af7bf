"""Streamlit entry point: only the router and the login gate. Pages live in analytics/ui/."""

import streamlit as st

from analytics.ui import auth, components, estimator, explore, overview, settings, upload

st.set_page_config(page_title="llm-cost", page_icon="💸", layout="wide")

pages = {
    "overview": st.Page(overview.show, title="Overview", icon=":material/dashboard:", url_path="overview"),
    "explore": st.Page(explore.show, title="Explore", icon=":material/query_stats:", url_path="explore"),
    "upload": st.Page(upload.show, title="Upload", icon=":material/upload:", url_path="upload"),
    "estimator": st.Page(
        estimator.show, title="Estimator", icon=":material/calculate:", url_path="estimator"
    ),
    "settings": st.Page(settings.show, title="Settings", icon=":material/settings:", url_path="settings"),
}


def _home() -> None:
    # The root URL opens the Overview at its own address, so every page (Overview included) has a URL that
    # can be bookmarked with its query parameters (?month=2025-06&project=...).
    st.switch_page(pages["overview"], query_params=st.query_params.to_dict())


components.register_pages(pages)
home = st.Page(_home, title="Overview", url_path="home", default=True, visibility="hidden")
allowed = auth.gate()  # False: the login wall is showing instead, nothing of the store
navigation = st.navigation([home, *pages.values()], position="sidebar" if allowed else "hidden")
if allowed:
    navigation.run()
