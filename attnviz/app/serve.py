"""Start the app: ``python -m attnviz.app.serve [streamlit options]`` is ``streamlit run app.py [options]``
with every page address working from the server's first request.

Streamlit treats a folder named ``pages/`` beside the entry script as its legacy multipage
mode until some session has called ``st.navigation``: until then a deep link such as
``/lesson_search`` is looked up in an automatic list of ``pages/*.py`` files, shows "Page not
found" and an extra page list. ``st.navigation`` switches that mode off for the whole process
(``PagesManager.uses_pages_directory = False``); this starts the server with it already off,
so ``app.py``'s navigation is the only one any session ever sees.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[2] / "app.py"
# The server runs each capture on one core: with many sessions the other core is busy with
# their reruns, and two torch threads fight the server's own (a 20-token MiniLM capture: 14 ms
# with one thread, 220-1,050 ms with two on a busy 2-core machine). ATTNVIZ_TORCH_THREADS=2
# is faster for one user's long texts.
TORCH_THREADS = int(os.environ.get("ATTNVIZ_TORCH_THREADS", "1"))


def main(argv: list[str] | None = None) -> None:
    """Run ``streamlit run app.py`` in this process with ``argv`` as its options (default: ``sys.argv[1:]``)."""
    PagesManager.uses_pages_directory = False  # what st.navigation sets on its first run
    torch.set_num_threads(TORCH_THREADS)
    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
