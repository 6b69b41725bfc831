"""Start the app: ``python -m attnviz.serve [streamlit options]`` is ``streamlit run app.py [options]``
with every page address working from the server's first request.

Streamlit treats a folder named ``pages/`` beside the entry script as its legacy multipage
mode until some session has called ``st.navigation``: until then a deep link such as
``/lesson_search`` is looked up in an automatic list of ``pages/*.py`` files, shows "Page not
found" and an extra page list. ``st.navigation`` switches that mode off for the whole process
(``PagesManager.uses_pages_directory = False``); this starts the server with it already off,
so ``app.py``'s navigation is the only one any session ever sees.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` in this process with ``argv`` as its options (default: ``sys.argv[1:]``)."""
    PagesManager.uses_pages_directory = False  # what st.navigation sets on its first run
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
