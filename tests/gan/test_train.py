import pytest
import torch

from ganrnn.config import GanConfig
from ganrnn.gan.train import build_models, sample_iterations, train_gan

CFG = GanConfig(
    noise_dim=8, g_width=4, d_width=4, batch_size=4, iterations=6, lr=2e-4,
    beta1=0.5, beta2=0.999, log_every=2, sample_every=3, grid_samples=4,
)  # fmt: skip


def _run(loss="bce", sn=False, seed=0):
    torch.manual_seed(seed)
    images = torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    g, d = build_models(CFG, 3, 32, sn)
    history = train_gan(g, d, images, CFG, loss, torch.Generator().manual_seed(seed))
    return g, history


def test_sample_iterations():
    assert sample_iterations(CFG) == [1, 3, 6]


def test_history_contents():
    _, history = _run()
    assert [i for i, _, _ in history.losses] == [1, 2, 4, 6]
    assert sorted(history.grids) == [1, 3, 6]
    assert history.grids[6].dtype == torch.uint8
    assert history.grids[6].shape[0] == 3
    assert len(history.diversity) == 3


def test_same_seed_same_weights():
    g1, h1 = _run("ls", True)
    g2, h2 = _run("ls", True)
    assert h1.losses == h2.losses
    for a, b in zip(g1.state_dict().values(), g2.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_batch_larger_than_data():
    images = torch.zeros(3, 3, 32, 32, dtype=torch.uint8)
    g, d = build_models(CFG, 3, 32, False)
    with pytest.raises(ValueError, match=r"gan.batch_size=4 is larger than the 3 training images"):
        train_gan(g, d, images, CFG, "bce", torch.Generator().manual_seed(0))
