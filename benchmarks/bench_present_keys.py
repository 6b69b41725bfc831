"""Present mode's keyboard: the time from a key press (→, next head) to the new heatmap in chromium.

    python -m benchmarks.bench_present_keys [--presses 20]

Starts the app as ``make run`` does (``tests/e2e/harness.AppServer``), opens the Explorer at
1280 × 720 with ``present=1`` (MiniLM, its default: 12 heads), and presses → ``presses`` times. Each press is timed on the
page's own clock, from the keydown event to the DOM change that shows the heatmap's new
title ("Layer 0, head h"); the next press waits until the script has finished its run.
Prints every time, the median and the 90th percentile, in milliseconds. The issue's target:
a median under 300 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from tests.e2e.harness import AppServer, launch_browser, wait_idle

# Installed before the app's scripts: the time of the last keydown, and of the first DOM change after it
# that shows the chart title armed in ``window.__keys.expected``.
KEYS_JS = """(() => {
  const m = window.__keys = {expected: null, pressedAt: null, shownAt: null};
  document.addEventListener('keydown', () => { m.pressedAt = performance.now(); m.shownAt = null; }, true);
  new MutationObserver(() => {
    const title = document.querySelector('[data-testid="stPlotlyChart"] .gtitle');
    if (m.pressedAt !== null && m.shownAt === null && title && title.textContent === m.expected) m.shownAt = performance.now();
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();"""
N_HEADS = 12  # MiniLM's, the Explorer's default model


def measure(url: str, presses: int) -> list[float]:
    """Milliseconds from each → press to the next head's heatmap on screen, ``presses`` times."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_browser(playwright)
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_init_script(KEYS_JS)
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/?present=1")
        page.wait_for_function("() => (document.querySelector('[data-testid=\"stPlotlyChart\"] .gtitle') || {}).textContent === 'Layer 0, head 0'")
        wait_idle(page)
        page.mouse.click(1260, 700)  # focus the page, not a text box
        times = []
        for press in range(presses):
            page.evaluate("(title) => { window.__keys.expected = title; }", f"Layer 0, head {(press + 1) % N_HEADS}")
            page.keyboard.press("ArrowRight")
            page.wait_for_function("() => window.__keys.shownAt !== null")
            times.append(page.evaluate("() => window.__keys.shownAt - window.__keys.pressedAt"))
            wait_idle(page)
        browser.close()
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args(argv)
    with AppServer() as server:
        times = measure(server.url, args.presses)
    times_sorted = sorted(times)
    sys.stdout.write(
        f"key press -> new heatmap (ms): {', '.join(f'{t:.0f}' for t in times)}\n"
        f"median {statistics.median(times):.0f} ms, p90 {times_sorted[int(0.9 * (len(times) - 1))]:.0f} ms over {len(times)} presses\n"
    )


if __name__ == "__main__":
    main()
