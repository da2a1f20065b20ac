"""Explainer network (distillation, part filters) and the decision tree over filter contributions."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from anyconv.explain.decision_tree import filter_contributions, fit_filter_tree
from anyconv.explain.explainer_net import fit_explainer, localisation, overlap, peak_templates


def test_localisation_equals_hand_computed_shares():
    a = torch.zeros(1, 2, 5, 5)
    a[0, 0, 2, 2] = 3.0  # a single peak: all energy at the template's centre
    a[0, 1, 0, 0], a[0, 1, 0, 1], a[0, 1, 4, 4] = 2.0, 1.0, 1.0  # peak (0,0); (0,1) at distance 1; (4,4) at 32
    share, fires = localisation(a, sigma=1.0, eps=0.0)
    expected = (2.0 + np.exp(-0.5) + np.exp(-16.0)) / 4.0
    torch.testing.assert_close(share, torch.tensor([[1.0, float(expected)]]))
    assert fires.all()
    assert float(peak_templates(a, 1.0)[0, 1, 0, 1]) == pytest.approx(np.exp(-0.5))
    silent, fires = localisation(torch.zeros(1, 1, 3, 3), sigma=1.0)
    assert float(silent) == 0.0 and not fires.any()  # a silent map scores 0: dying never lowers the filter loss


def test_overlap_is_zero_for_disjoint_maps_and_one_for_identical_maps():
    a = torch.zeros(2, 3, 4, 4)
    a[0, 0, 0, 0], a[0, 1, 1, 1], a[0, 2, 2, 2] = 1.0, 2.0, 3.0  # three disjoint parts
    a[1] = torch.rand(4, 4)  # one map repeated in every filter
    assert float(overlap(a[:1])) == 0.0
    assert float(overlap(a[1:])) == pytest.approx(1.0)
    assert float(overlap(a)) == pytest.approx(0.5)


def test_explainer_learns_and_its_part_filters_become_more_localised(digits_model):
    m = digits_model
    result = fit_explainer(m.model, m.x_train[:600], source="stage1", target="stage2", x_eval=m.x_test,
                           steps=100, batch_size=32)
    first, last = np.mean(result.losses[:5]), np.mean(result.losses[-10:])
    assert last < 0.7 * first, (first, last)  # reconstruction of stage2's features improves
    # every interpretable filter is more localised than at initialisation (measured 0.18-0.24 -> 0.30-0.39)
    assert (result.localisation_after > result.localisation_before + 0.05).all(), (
        result.localisation_before, result.localisation_after)
    assert (result.firing_after > 0.9).all()  # and no filter switched itself off
    assert result.overlap_after < 0.6 * result.overlap_before  # filters split the parts (measured 0.35 -> 0.10)
    assert 0 < result.explained_share < 1 and result.r2 > 0.1
    assert result.localisation_after.shape == (8,)


def test_explainer_rejects_bad_arguments(digits_model):
    with pytest.raises(ValueError, match="steps, batch_size and n_filters"):
        fit_explainer(digits_model.model, digits_model.x_test[:8], source="stage1", target="stage2", steps=0)
    with pytest.raises(ValueError, match="same rank"):
        fit_explainer(digits_model.model, digits_model.x_test[:8], source="stage1", target="head", steps=1)


def test_contributions_are_gradient_times_activation_and_closed_form_for_a_linear_head(digits_model):
    model, x = digits_model.model, digits_model.x_test[:10]
    contrib, classes = filter_contributions(model, x, layer="stage2")
    with torch.no_grad():
        a = model.stage2(model.pool(model.stage1(model.stem(x))))  # (B, 2w, 4, 4)
        expected = model.head.weight[classes] * a.mean((2, 3))  # W[y, c] * mean_S A_c (GAP + linear head)
    torch.testing.assert_close(contrib, expected)
    # the contributions add up to the score minus the bias
    torch.testing.assert_close(contrib.sum(1), model(x).gather(1, classes[:, None])[:, 0] - model.head.bias[classes])


def test_decision_tree_reproduces_held_out_predictions(digits_model):
    m = digits_model
    tree = fit_filter_tree(m.model, m.x_train, layer="stage2", max_depth=6)
    fidelity = tree.fidelity(m.model, m.x_test)
    assert fidelity > 0.85, fidelity  # measured 0.91 at depth 6 (1.00 unlimited, 0.72 at depth 4)
    shallow = fit_filter_tree(m.model, m.x_train, layer="stage2", max_depth=2).fidelity(m.model, m.x_test)
    assert shallow < fidelity  # coarse modes explain less than fine ones
    root = tree.modes_at(0)
    assert len(root) == 1 and root[0].n_examples == len(m.x_train)
    assert sum(mode.n_examples for mode in tree.modes_at(2)) == len(m.x_train)  # a cut partitions the examples
    one = tree.explain(m.model, m.x_test[:1])
    assert one.path and one.path[0][0] == 0
    for _, _feature, threshold, value, left in one.path:
        assert left == (value <= threshold)
    assert len(one.contributions) == 5 and sum(abs(c) for _, c in one.contributions) <= 1 + 1e-9
    with pytest.raises(ValueError, match="one example"):
        tree.explain(m.model, m.x_test[:2])


def test_tree_on_a_model_without_the_layer_raises():
    with pytest.raises(ValueError, match="no layer"):
        fit_filter_tree(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), torch.randn(3, 1, 2, 2), layer="stage2")
