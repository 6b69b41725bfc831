"""Drive the real app: start it as ``make run`` does (``python -m attnviz.app.serve``) on a free port, open it in Debian's chromium.

Used by the end-to-end tests (``tests/e2e``) and by the benchmarks (``benchmarks/``).
The browser is ``/usr/bin/chromium`` from apt (``scripts/install_browser.sh``); Playwright
only drives it and never downloads a browser of its own.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """The app (``python -m attnviz.app.serve``, i.e. ``streamlit run app.py``) from the repository root with this Python, on a free port.

    Use as a context manager; ``url`` is the app's address, ``tree_rss()`` the resident
    memory of the server and its children. Its output goes to ``log_path``.
    """

    def __init__(self, log_path: Path | None = None, env: dict[str, str] | None = None, startup_timeout: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or ARTIFACTS / f"streamlit-{self.port}.log"
        self.env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> AppServer:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "attnviz.app.serve", "--server.port", str(self.port), "--server.headless", "true"]
        self.started_at = time.perf_counter()
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {self.startup_timeout} s; see {self.log_path}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own session: only the server and its children
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tree_rss(self) -> int:
        """Resident bytes of the server process and all its descendants (Linux /proc)."""
        return sum(rss_bytes(pid) for pid in process_tree(self.process.pid))


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def rss_bytes(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else 0


def launch_browser(playwright):
    """Debian's chromium, headless, with no network of its own."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `bash scripts/install_browser.sh`")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# --- reading and driving a page -------------------------------------------------------

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"][data-test-connection-state="CONNECTED"]'

AXIS_LABELS_JS = """(axis) => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!plot) return null;
  return Array.from(plot.querySelectorAll(`.${axis}tick text`)).map(t => t.textContent);
}"""

TOKENS_SHOWN_JS = """([axis, expected]) => {
  const plot = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!plot) return false;
  const shown = Array.from(plot.querySelectorAll(`.${axis}tick text`)).map(t => t.textContent.replace(/ ·\\d+$/, ''));
  return shown.length === expected.length && shown.every((s, i) => s === expected[i]);
}"""


def wait_idle(page, timeout_ms: float = 120_000) -> None:
    """Wait until the app's script has finished its run (and the socket is connected)."""
    page.wait_for_selector(IDLE, timeout=timeout_ms)


def axis_labels(page, axis: str = "x") -> list[str] | None:
    """The tick labels the first chart shows on an axis (the rendered SVG text), or None."""
    return page.evaluate(AXIS_LABELS_JS, axis)


def wait_for_tokens(page, tokens: list[str], axis: str = "x", timeout_ms: float = 120_000) -> None:
    """Wait until the first chart's axis shows exactly ``tokens`` (position suffixes " ·i" ignored)."""
    page.wait_for_function(TOKENS_SHOWN_JS, arg=[axis, tokens], timeout=timeout_ms)


def type_sentence(page, text: str) -> None:
    """Replace the Sentence box's text and submit it (Ctrl+Enter, as a user would)."""
    box = page.locator('[data-testid="stTextArea"] textarea').first
    box.fill(text)
    box.press("Control+Enter")


def choose(page, label: str, option: str, scope: str = "") -> None:
    """Pick ``option`` in the selectbox whose label is ``label`` (``scope`` e.g. '[data-testid="stSidebar"] ')."""
    box = page.locator(f'{scope}[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    box.locator('[role="combobox"]').first.click()
    try:
        page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
    except PlaywrightTimeout:  # the list did not open (seen at the sidebar's bottom edge): type the option and take it with Enter
        box.locator('[role="combobox"]').first.click()
        page.keyboard.type(option)
        page.get_by_role("option", name=option, exact=True).wait_for(timeout=10_000)
        page.keyboard.press("Enter")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as ``test-artifacts/<name>.png``."""
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


# --- timing what a user sees, measured inside the page ------------------------------------

# Installed before the app's own scripts (``context.add_init_script``). ``arm(kind, value)``
# starts a measurement: the last Ctrl+Enter or click after it is the user's action, and the
# first DOM change that shows the expected state ends it (both on the page's own clock).
# kind "tokens": the first chart's x axis shows exactly these tokens; kind "title": its title is this text.
MONITOR_JS = """(() => {
  const m = window.__attnviz = {kind: null, value: null, actionAt: null, doneAt: null, firstChartAt: null};
  const plot = () => document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const shows = () => {
    const gd = plot();
    if (!gd) return false;
    if (m.kind === 'title') return (gd.querySelector('.gtitle') || {}).textContent === m.value;
    const ticks = Array.from(gd.querySelectorAll('.xtick text')).map(t => t.textContent.replace(/ ·\\d+$/, ''));
    return ticks.length === m.value.length && ticks.every((t, i) => t === m.value[i]);
  };
  m.arm = (kind, value) => { m.kind = kind; m.value = value; m.actionAt = null; m.doneAt = null; };
  const act = () => { if (m.kind && m.doneAt === null) m.actionAt = performance.now(); };
  document.addEventListener('click', act, true);
  document.addEventListener('keydown', e => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) act(); }, true);
  new MutationObserver(() => {
    if (m.firstChartAt === null && plot() && plot().querySelector('.xtick')) m.firstChartAt = performance.now();
    if (m.kind && m.actionAt !== null && m.doneAt === null && shows()) m.doneAt = performance.now();
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();"""


def new_monitored_page(browser):
    """A page in a fresh context (its own Streamlit session) with ``MONITOR_JS`` installed."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(MONITOR_JS)
    return context.new_page()


def arm(page, kind: str, value) -> None:
    page.evaluate("([kind, value]) => window.__attnviz.arm(kind, value)", [kind, value])


def measured_ms(page, timeout_ms: float = 120_000) -> float:
    """Wait until the armed state shows; milliseconds from the user's action to it."""
    page.wait_for_function("() => window.__attnviz.doneAt !== null", timeout=timeout_ms)
    return page.evaluate("() => window.__attnviz.doneAt - window.__attnviz.actionAt")


def first_chart_ms(page, timeout_ms: float = 300_000) -> float:
    """Milliseconds from the start of navigation to the first chart with axis labels."""
    page.wait_for_function("() => window.__attnviz.firstChartAt !== null", timeout=timeout_ms)
    return page.evaluate("() => window.__attnviz.firstChartAt")
