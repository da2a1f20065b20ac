"""Attribution checks: the randomisation check flags weight-independent maps; deletion curves rank Grad-CAM above chance."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from anyconv.explain.gradcam import grad_cam
from anyconv.explain.sanity import (
    curve_area,
    deletion_curve,
    insertion_curve,
    randomisation_check,
    rank_correlation,
    reinitialised,
)


class WeightBlind(nn.Module):
    """logit_k = softplus(a_k) · mean(x): Grad-CAM at ``features`` is relu(x) up to a positive factor, whatever a is."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Identity()
        self.a = nn.Parameter(torch.randn(3))

    def reset_parameters(self) -> None:
        nn.init.normal_(self.a)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.softplus(self.a)[None] * self.features(x).mean((1, 2, 3))[:, None]


def test_rank_correlation_equals_scipy_spearman():
    from scipy.stats import spearmanr

    a, b = torch.randn(3, 5, 4), torch.randn(3, 5, 4)
    b[0] = a[0] * 2 + 1
    b[1, 0, 0] = b[1, 0, 1]  # a tie
    rho = rank_correlation(a, b)
    for i in range(3):
        assert float(rho[i]) == pytest.approx(spearmanr(a[i].flatten(), b[i].flatten()).statistic)
    assert float(rho[0]) == pytest.approx(1.0)
    assert float(rank_correlation(torch.ones(1, 4), torch.randn(1, 4))[0]) == 0.0


def test_the_check_flags_a_model_whose_map_ignores_its_weights(digits_model):
    x = digits_model.x_test[:16]
    blind = randomisation_check(WeightBlind(), x, lambda m, v: grad_cam(m, v, layer="features", target=0))
    assert blind.flagged and blind.mean == pytest.approx(1.0)
    trained = randomisation_check(digits_model.model, x, lambda m, v: grad_cam(m, v, layer="stage2"))
    assert not trained.flagged, trained.correlations
    assert trained.correlations.abs().mean() < 0.5


def test_reinitialised_copies_and_changes_every_parameter(digits_model):
    model = digits_model.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    clone = reinitialised(model, seed=3)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # original untouched
    changed = [k for k, v in clone.named_parameters() if not torch.equal(v, dict(model.named_parameters())[k])]
    assert len(changed) == len(list(model.parameters()))


def test_deletion_of_the_grad_cam_ranking_falls_faster_than_a_random_ranking(digits_model):
    model, x = digits_model.model, digits_model.x_test[:64]
    cam = grad_cam(model, x, layer="stage2")
    fr, p_cam = deletion_curve(model, x, cam, steps=16)
    gen = torch.Generator().manual_seed(0)
    random_areas = [curve_area(*deletion_curve(model, x, torch.rand(cam.shape, generator=gen), steps=16))
                    for _ in range(3)]
    cam_area, random_area = float(curve_area(fr, p_cam).mean()), float(torch.stack(random_areas).mean())
    assert cam_area < random_area - 0.05, (cam_area, random_area)
    # the curves start at the model's own probability and end at the all-baseline input's
    with torch.no_grad():
        p = torch.softmax(model(x), 1)
        p_zero = torch.softmax(model(torch.zeros_like(x)), 1)
    top = p.argmax(1)
    torch.testing.assert_close(p_cam[:, 0], p.max(1).values)
    torch.testing.assert_close(p_cam[:, -1], p_zero.gather(1, top[:, None])[:, 0])
    fr_i, p_ins = insertion_curve(model, x, cam, steps=16)
    torch.testing.assert_close(p_ins[:, 0], p_cam[:, -1])
    torch.testing.assert_close(p_ins[:, -1], p_cam[:, 0])
    assert float(curve_area(fr_i, p_ins).mean()) > cam_area


def test_curve_area_and_errors():
    fr = torch.linspace(0, 1, 5)
    torch.testing.assert_close(curve_area(fr, torch.stack([fr, 1 - fr, torch.ones(5)])),
                               torch.tensor([0.5, 0.5, 1.0], dtype=torch.float64))
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    with pytest.raises(ValueError, match="saliency must have shape"):
        deletion_curve(model, torch.randn(2, 1, 4, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match="threshold"):
        randomisation_check(model, torch.randn(2, 1, 4, 4), lambda m, v: v[:, 0], threshold=0)
