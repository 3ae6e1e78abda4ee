"""derivs: the entry point only routes. Pages live in pages/, the maths in derivs/."""

from pathlib import Path

import streamlit as st

from derivs_app import ui
from derivs_app.i18n import t

# A presenter-mode link opens with the side bar folded away (the first run reads the URL).
presenting_link = st.query_params.get(ui.PRESENT, "").lower() == "true"
# The favicon is a file served by this server: a material icon would be fetched from Google's
# font servers (a school's offline server has none), and "∂" is no emoji (the browser asked
# for a file /∂).
st.set_page_config(page_title="derivs", page_icon=str(Path(__file__).parent / "assets" /
                                                      "favicon.png"), layout="wide",
                   initial_sidebar_state="collapsed" if presenting_link else "auto")

ui.start_link_registry()
lang = ui.language_picker()
ui.presenter_toggle()
ui.house_style()

# url_path = the file's stem, the name Streamlit's legacy pages/ mode also gives it (ui.py).
PAGES = [
    ("pages/home.py", "nav.home", "home", ":material/home:"),
    ("pages/activations.py", "nav.activations", "activations", ":material/show_chart:"),
    ("pages/softmax.py", "nav.softmax", "softmax", ":material/grid_on:"),
    ("pages/losses.py", "nav.losses", "losses", ":material/trending_down:"),
    ("pages/gradcheck.py", "nav.gradcheck", "gradcheck", ":material/science:"),
    ("pages/backprop.py", "nav.backprop", "backprop", ":material/account_tree:"),
    ("pages/backprop_network.py", "nav.backprop_network", "backprop_network", ":material/hub:"),
    ("pages/backprop_depth.py", "nav.backprop_depth", "backprop_depth",
     ":material/stacked_line_chart:"),
    ("pages/backprop_train.py", "nav.backprop_train", "backprop_train", ":material/model_training:"),
    ("pages/playground.py", "nav.playground", "playground", ":material/edit:"),
]

navigation = st.navigation([
    st.Page(path, title=t(title, lang), url_path=url, icon=icon, default=(url == "home"))
    for path, title, url, icon in PAGES
])
ui.guarded(navigation.run)()
# after a full run (fragments do not pass here): what the link says that no control read
ui.drop_unused_link_values()
ui.freeze_new_imports()
