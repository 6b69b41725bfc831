"""Wait until the local Streamlit server answers, then open the browser on it (used by `make run`)."""

import sys
import time
import urllib.request
import webbrowser

url = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8501"
for _ in range(120):
    try:
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
    except OSError:
        time.sleep(0.5)
        continue
    webbrowser.open(url)
    break
