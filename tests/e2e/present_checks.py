"""What the present-mode browser tests share: the projector's size, every chart's boxes and tick labels read
from the SVG, and the checks that the text is at least 18 px with no label on another.

Screenshots go to test-artifacts/present/.
"""

from __future__ import annotations

from harness import ARTIFACTS, wait_idle

PROJECTOR = {"width": 1280, "height": 720}

# Every chart on the page: its box, and the box and computed font size of each tick label (non-empty).
CHARTS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).map(chart => {
  const box = chart.getBoundingClientRect();
  const title = chart.querySelector('.gtitle');
  const labels = ['x', 'y'].map(axis => Array.from(chart.querySelectorAll(`.${axis}tick text`))
    .filter(t => t.textContent.trim() !== '')
    .map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent, size: parseFloat(getComputedStyle(t).fontSize), left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }));
  const titleBox = title ? title.getBoundingClientRect() : null;
  return {top: box.top, height: box.height, width: box.width, title: title ? title.textContent : '', x: labels[0], y: labels[1],
          titleBox: titleBox && {text: title.textContent, left: titleBox.left, right: titleBox.right, top: titleBox.top, bottom: titleBox.bottom}};
})"""


def overlapping(labels: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap (by more than ``slack`` px each way)."""
    pairs = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if min(a["right"], b["right"]) - max(a["left"], b["left"]) > slack and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > slack:
                pairs.append((a["text"], b["text"]))
    return pairs


def open_present(page, url: str, name: str, drawn: str = ".xtick text") -> list[dict]:
    page.goto(url)
    wait_idle(page)
    page.wait_for_selector(f'[data-testid="stPlotlyChart"] {drawn}', state="attached")
    page.wait_for_timeout(800)  # plotly's last layout pass
    ARTIFACTS.joinpath("present").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "present" / f"{name}.png"))
    return page.evaluate(CHARTS_JS)


def assert_readable(chart: dict, axes: tuple[str, ...] = ("x", "y")) -> None:
    for axis in axes:
        assert chart[axis], f"no {axis} tick labels"
        assert min(label["size"] for label in chart[axis]) >= 18, (chart["title"], axis, [label["size"] for label in chart[axis]])
        assert not overlapping(chart[axis]), (chart["title"], axis, overlapping(chart[axis])[:3])
        if chart["titleBox"]:  # the chart's title covers no label
            covered = [label["text"] for label in chart[axis] if overlapping([chart["titleBox"], label])]
            assert not covered, (chart["title"], axis, covered)
