"""present.fit thins a token axis's labels so that none overlaps another at FONT px (issue #12)."""

import plotly.graph_objects as go
import pytest

from attnviz.app import present

TOKENS = [f"tok{i}" for i in range(40)]


@pytest.fixture
def presenting(monkeypatch):
    monkeypatch.setattr(present, "is_on", lambda: True)


def heatmap(n: int) -> go.Figure:
    tokens = TOKENS[:n]
    fig = go.Figure(go.Heatmap(z=[[0.0] * n for _ in range(n)], hovertext=[[f"{q} → {k}" for k in tokens] for q in tokens]))
    fig.update_xaxes(tickmode="array", tickvals=list(range(n)), ticktext=tokens)
    fig.update_yaxes(tickmode="array", tickvals=list(range(n)), ticktext=tokens)
    return fig


def shown(axis) -> list[int]:
    return [i for i, text in enumerate(axis.ticktext) if text]


def gaps_fit(axis, length: float, pitch: float) -> bool:
    """Whether neighbouring shown labels are at least ``pitch`` px apart on an axis of ``length`` px."""
    n, kept = len(axis.ticktext), shown(axis)
    return all((b - a) * length / n >= pitch for a, b in zip(kept, kept[1:], strict=False))


def test_a_40_token_heatmap_keeps_every_kth_label_and_all_ticks(presenting):
    fig = present.fit(heatmap(40), height=present.CHART_HEIGHT, x_angle=-90)
    margin = fig.layout.margin
    pitch = present.LABEL_PITCH * present.FONT
    height = fig.layout.height - margin.t - margin.b
    width = present.MAIN_WIDTH - margin.l - (margin.r or 80)
    for axis, length in ((fig.layout.xaxis, width), (fig.layout.yaxis, height)):
        kept = shown(axis)
        assert len(axis.tickvals) == 40 and len(axis.ticktext) == 40  # the grid keeps a tick per token
        assert 1 < len(kept) < 40 and kept[0] == 0
        k = kept[1] - kept[0]
        assert all(b - a == k for a, b in zip(kept, kept[1:], strict=False))  # every k-th
        assert [axis.ticktext[i] for i in kept] == TOKENS[::k]
        assert gaps_fit(axis, length, pitch)  # no two overlap
        assert (k - 1) * length / 40 < pitch  # k is the smallest that fits
    assert fig.data[0].hovertext[3][7] == "tok3 → tok7"  # hover still names every token


def test_a_short_heatmap_keeps_every_label(presenting):
    fig = present.fit(heatmap(present.WINDOW_MAX), height=present.CHART_HEIGHT, x_angle=-90)
    assert list(fig.layout.xaxis.ticktext) == TOKENS[: present.WINDOW_MAX]
    assert list(fig.layout.yaxis.ticktext) == TOKENS[: present.WINDOW_MAX]


def test_horizontal_bar_labels_thin_by_their_text_width(presenting):
    words = [f"word{i:02d}" for i in range(40)]
    fig = go.Figure(go.Bar(x=list(range(40)), y=[1.0] * 40))
    fig.update_xaxes(tickmode="array", tickvals=list(range(40)), ticktext=words)
    present.fit(fig, height=400)
    axis, margin = fig.layout.xaxis, fig.layout.margin
    kept = shown(axis)
    assert 1 < len(kept) < 40
    assert gaps_fit(axis, present.MAIN_WIDTH - margin.l - (margin.r or 80), present._label_room(words))


def test_bars_with_few_labels_and_numeric_axes_are_untouched(presenting):
    fig = go.Figure(go.Bar(y=["a", "b", "c"], x=[1, 2, 3], orientation="h"))
    fig.update_yaxes(tickmode="array", tickvals=[0, 1, 2], ticktext=["a", "b", "c"])
    present.fit(fig, height=300)
    assert list(fig.layout.yaxis.ticktext) == ["a", "b", "c"]
    assert fig.layout.xaxis.ticktext is None


def test_out_of_present_mode_nothing_changes(monkeypatch):
    monkeypatch.setattr(present, "is_on", lambda: False)
    fig = heatmap(40)
    before = fig.to_dict()
    assert present.fit(fig, height=present.CHART_HEIGHT, x_angle=-90).to_dict() == before


def test_a_bar_per_token_on_a_category_axis_is_thinned_too(presenting):
    fig = go.Figure(go.Bar(x=TOKENS, y=[1.0] * 40))
    present.fit(fig, height=present.CHART_HEIGHT, x_angle=-90)
    axis, margin = fig.layout.xaxis, fig.layout.margin
    assert list(axis.tickvals) == TOKENS and 1 < len(shown(axis)) < 40
    assert gaps_fit(axis, present.MAIN_WIDTH - margin.l - (margin.r or 80), present.LABEL_PITCH * present.FONT)
