"""Query/key space (AttentionViz): the normalisation keeps every attention weight, PCA agrees with
numpy's SVD, the probe vectors are the captures' own, and the page shows a head's points in both languages."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apptest_helpers import new_app, shown_text

from attnviz.analysis import qk_space
from attnviz.errors import ProjectionError
from attnviz.i18n import t
from attnviz.plots import qk_space as qk_plots


def numpy_pca(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PCA by numpy's own SVD, float64: coordinates on the first two axes and their variance shares."""
    centred = x - x.mean(0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    return u[:, :2] * s[:2], s[:2] ** 2 / (s**2).sum()


def same_up_to_sign(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    for axis in range(a.shape[1]):
        sign = np.sign(a[:, axis] @ b[:, axis])
        np.testing.assert_allclose(a[:, axis], sign * b[:, axis], atol=atol)


def test_pca_agrees_with_numpys_svd():
    x = torch.randn(300, 16, generator=torch.Generator().manual_seed(1)) * torch.linspace(3, 0.1, 16)
    coords, explained = qk_space.pca_2d(x)
    expected, shares = numpy_pca(x.double().numpy())
    same_up_to_sign(coords.double().numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(explained.numpy(), shares, rtol=1e-5)


def test_pca_signs_are_fixed_so_the_same_points_always_give_the_same_picture():
    x = torch.randn(50, 8, generator=torch.Generator().manual_seed(2))
    assert torch.equal(qk_space.pca_2d(x)[0], qk_space.pca_2d(x.clone())[0])
    moved, _ = qk_space.pca_2d(x[torch.randperm(50, generator=torch.Generator().manual_seed(3))])
    assert sorted(moved[:, 0].tolist()) == pytest.approx(sorted(qk_space.pca_2d(x)[0][:, 0].tolist()), abs=1e-5)


def test_too_few_points_is_a_projection_error():
    with pytest.raises(ProjectionError):
        qk_space.pca_2d(torch.randn(1, 8))


def test_the_normalisation_keeps_every_attention_weight_and_matches_the_centroids_and_norms():
    g = torch.Generator().manual_seed(4)
    q, k = torch.randn(40, 8, generator=g) * 3 + 1, torch.randn(40, 8, generator=g) * 0.5 - 2
    q_n, k_n, shift, scale = qk_space.normalize(q, k)
    torch.testing.assert_close(torch.softmax(q_n @ k_n.T, -1), torch.softmax(q @ k.T, -1), atol=1e-6, rtol=1e-5)  # Vaswani eq. 1, row by row
    torch.testing.assert_close(q_n.mean(0) / scale, k_n.mean(0) * scale, atol=1e-5, rtol=1e-5)  # key translation: the centroids coincide before scaling
    assert float(q_n.norm(dim=1).mean()) == pytest.approx(float(k_n.norm(dim=1).mean()), rel=1e-5)  # scaling: one mean norm
    torch.testing.assert_close(shift, q.mean(0) - k.mean(0))
    assert scale > 0


def test_probe_vectors_are_each_captures_own_q_and_k_token_by_token(minilm):
    texts = ["The cat sat.", "Dogs bark at night."]
    vectors = qk_space.probe_vectors(minilm, texts)
    caps = [minilm.run_with_capture(text) for text in texts]
    n0 = caps[0].n_tokens
    assert vectors.tokens == caps[0].tokens + caps[1].tokens
    assert vectors.positions.tolist() == list(range(n0)) + list(range(caps[1].n_tokens))
    assert vectors.inputs.tolist() == [0] * n0 + [1] * caps[1].n_tokens
    torch.testing.assert_close(vectors.q[:, n0:], caps[1].q)
    torch.testing.assert_close(vectors.k[:, :n0], caps[0].k)
    assert vectors.contexts[n0 + 1] == "[CLS] ⟦dogs⟧ bark at night . [SEP]"


def test_a_query_head_is_drawn_with_the_key_value_head_it_shares():
    g = torch.Generator().manual_seed(5)
    vectors = qk_space.ProbeVectors(
        q=torch.randn(1, 30, 4, 8, generator=g), k=torch.randn(1, 30, 2, 8, generator=g), kv_head_of=torch.tensor([0, 0, 1, 1]),
        tokens=[f"t{i}" for i in range(30)], contexts=[""] * 30, positions=torch.arange(30), inputs=torch.zeros(30, dtype=torch.int64),
    )  # fmt: skip
    proj = qk_space.project(vectors, 0, 3)
    q_n, k_n, _, _ = qk_space.normalize(vectors.q[0, :, 3], vectors.k[0, :, 1])  # head 3 uses key/value head 1
    expected, _ = numpy_pca(torch.cat([q_n, k_n]).double().numpy())
    same_up_to_sign(proj.coords.double().numpy(), expected, atol=1e-5)
    assert proj.is_key.tolist() == [False] * 30 + [True] * 30 and proj.tokens[30] == "t0"
    with pytest.raises(ProjectionError):
        qk_space.project(vectors, 0, 4)
    with pytest.raises(ProjectionError):
        qk_space.project(vectors, 0, 0, "tsne")


@pytest.mark.skipif(qk_space.umap_available(), reason="umap-learn is installed here")
def test_umap_without_its_package_says_how_to_get_it_in_chinese():
    with pytest.raises(ProjectionError) as err:
        qk_space.umap_2d(torch.randn(10, 4))
    assert "pip install umap-learn" in err.value.message("zh") and "请选择 PCA" in err.value.message("zh")


def test_the_figure_escapes_tokens_and_colours_by_kind_or_position():
    proj = qk_space.Projection(
        coords=torch.tensor([[0.0, 1.0], [2.0, 3.0]]), is_key=torch.tensor([False, True]), tokens=["<b>", "<b>"], contexts=["⟦<b>⟧ x", "⟦<b>⟧ x"],
        positions=torch.tensor([0, 0]), method="pca", explained=torch.tensor([0.5, 0.25]), shift=torch.zeros(2), scale=1.0,
    )  # fmt: skip
    fig = qk_plots.qk_scatter(proj, "t", "en", "kind")
    assert [trace.name for trace in fig.data] == ["queries", "keys"]
    assert "&lt;b&gt;" in fig.data[0].text[0] and "<b>" not in fig.data[0].text[0]
    assert fig.layout.xaxis.title.text == "PC 1 (50.0 % of the variance)"
    by_position = qk_plots.qk_scatter(proj, "t", "zh", "position")
    assert list(by_position.data[1].marker.color) == [0] and by_position.data[0].marker.showscale
    with pytest.raises(ValueError):
        qk_plots.qk_scatter(proj, "t", "en", "token")


# --- the page -------------------------------------------------------------------------------


def open_page(**query):
    at = new_app(**query).run()
    return at.switch_page("pages/qk_space.py").run()


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_shows_a_heads_queries_and_keys_as_numpys_pca_of_the_normalised_vectors(lang, minilm):
    from attnviz.app import qk_ui

    at = open_page(lang=lang)
    at.selectbox(key="qk_layer").set_value(2).run()
    at.selectbox(key="qk_head").set_value(5).run()
    assert not at.exception
    assert at.title[0].value == t("qk_title", lang)
    fig = json.loads(at.get_by_key("qk_chart").proto.spec)
    queries, keys = fig["data"]
    assert (queries["name"], keys["name"]) == (t("qk_query_points", lang), t("qk_key_points", lang))
    vectors = qk_ui.probe_vectors("minilm")
    n = len(vectors.tokens)
    assert len(queries["x"]) == len(keys["x"]) == n
    # independently: AttentionViz's normalisation written out in numpy, then numpy's SVD
    q, k = vectors.q[2, :, 5].double().numpy(), vectors.k[2, :, 5].double().numpy()
    k = k + q.mean(0) - k.mean(0)
    c = np.sqrt(np.linalg.norm(k, axis=1).mean() / np.linalg.norm(q, axis=1).mean())
    expected, shares = numpy_pca(np.concatenate([q * c, k / c]))
    shown = np.column_stack([queries["x"] + keys["x"], queries["y"] + keys["y"]])
    same_up_to_sign(shown, expected, atol=1e-3)
    assert f"{100 * shares[0]:.1f}" in fig["layout"]["xaxis"]["title"]["text"]
    assert vectors.tokens[7] in queries["text"][7]
    at.radio(key="qk_colour").set_value("position").run()
    fig = json.loads(at.get_by_key("qk_chart").proto.spec)
    assert fig["data"][0]["marker"]["color"][:5] == vectors.positions[:5].tolist()
    assert [button.label for button in at.get("download_button")] == ["PNG", "SVG"]


@pytest.mark.slow
def test_the_page_offers_umap_only_where_its_package_is_installed():
    at = open_page(lang="zh")
    options = at.radio(key="qk_method").options
    assert len(options) == (2 if qk_space.umap_available() else 1)
    if not qk_space.umap_available():
        assert "umap-learn" in shown_text(at)


@pytest.mark.slow
@pytest.mark.skipif(not qk_space.umap_available(), reason="the optional umap-learn is not installed (pip install attnviz[umap])")
def test_umap_projects_every_query_and_key_the_same_way_each_time():
    g = torch.Generator().manual_seed(6)
    vectors = qk_space.ProbeVectors(
        q=torch.randn(1, 60, 2, 8, generator=g), k=torch.randn(1, 60, 2, 8, generator=g), kv_head_of=torch.tensor([0, 1]),
        tokens=[f"t{i}" for i in range(60)], contexts=[""] * 60, positions=torch.arange(60), inputs=torch.zeros(60, dtype=torch.int64),
    )  # fmt: skip
    proj = qk_space.project(vectors, 0, 1, "umap")
    assert proj.coords.shape == (120, 2) and proj.explained is None and torch.isfinite(proj.coords).all()
    assert torch.equal(proj.coords, qk_space.project(vectors, 0, 1, "umap").coords)  # seeded
