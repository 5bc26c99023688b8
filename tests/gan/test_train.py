import dataclasses
import math

import pytest
import torch

from ganrnn.config import GanConfig, GanSchedule
from ganrnn.gan.train import build_models, sample_iterations, train_gan

from helpers import SavedStates

CFG = GanConfig(
    noise_dim=8, g_width=4, d_width=4, batch_size=4, lr=2e-4, beta1=0.5, beta2=0.999, log_every=2,
    grid_samples=4, critic_steps=1, gp_weight=10.0, checkpoint_every=2, precision="fp32", channels_last=False,
    compile=False, faces=GanSchedule(iterations=6, sample_every=3), digits=GanSchedule(iterations=4, sample_every=2),
)  # fmt: skip
SCHEDULE = CFG.faces


def _run(loss="bce", sn=False, seed=0, cfg=CFG):
    torch.manual_seed(seed)
    images = torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    g, d = build_models(cfg, 3, 32, sn, loss)
    history = train_gan(g, d, images, cfg, SCHEDULE, loss, torch.Generator().manual_seed(seed))
    return g, history


def test_sample_iterations():
    assert sample_iterations(SCHEDULE) == [1, 3, 6]


def test_schedule_per_dataset():
    assert sample_iterations(CFG.schedule("digits")) == [1, 2, 4]
    assert CFG.schedule("faces") == SCHEDULE
    with pytest.raises(ValueError, match="dataset='cats' is invalid"):
        CFG.schedule("cats")


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
        train_gan(g, d, images, CFG, SCHEDULE, "bce", torch.Generator().manual_seed(0))


@pytest.mark.parametrize("loss", ["hinge", "wgan-gp"])
def test_new_losses_train(loss):
    _, history = _run(loss, cfg=dataclasses.replace(CFG, critic_steps=2))
    assert all(math.isfinite(d) and math.isfinite(g) for _, d, g in history.losses)


def test_wgan_critic_has_no_batchnorm():
    _, d = build_models(CFG, 3, 32, False, "wgan-gp")
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in d.modules())


def test_snapshots_at_grids():
    g, history = _run()
    assert sorted(history.snapshots) == [1, 3, 6]
    final = g.state_dict()
    assert all(torch.equal(history.snapshots[6][k], final[k].cpu()) for k in final)


def test_spectral_norm_keeps_sigma_near_one():
    _, history = _run("bce", sn=True)
    sigmas = [s for _, *layer in history.sigma for s in layer]
    assert max(sigmas) < 1.1


def test_sigma_reading_leaves_training_unchanged():
    # Reading sigma_max must not advance spectral norm's power iteration: runs with and without
    # the readings end with equal weights.
    g1, _ = _run("bce", sn=True)
    g2, _ = _run("bce", sn=True, cfg=dataclasses.replace(CFG, log_every=100))
    for a, b in zip(g1.state_dict().values(), g2.state_dict().values(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.parametrize("loss,sn", [("bce", True), ("wgan-gp", False)])
def test_resume_equals_uninterrupted(loss, sn):
    images = torch.randint(0, 256, (10, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    save = SavedStates()

    def run(resume=None):
        torch.manual_seed(0)
        g, d = build_models(CFG, 3, 32, sn, loss)
        history = train_gan(g, d, images, CFG, SCHEDULE, loss, torch.Generator().manual_seed(0), resume, save)
        return g, d, history

    g_full, d_full, h_full = run()
    g_res, d_res, h_res = run(save.load(4))
    assert h_res.losses == h_full.losses
    assert h_res.sigma == h_full.sigma
    for a, b in zip([*g_full.state_dict().values(), *d_full.state_dict().values()],
                    [*g_res.state_dict().values(), *d_res.state_dict().values()], strict=True):  # fmt: skip
        assert torch.equal(a, b)


def test_bf16_channels_last_train():
    _, history = _run("hinge", cfg=dataclasses.replace(CFG, precision="bf16", channels_last=True))
    assert all(math.isfinite(d) and math.isfinite(g) for _, d, g in history.losses)


def test_channels_last_same_result():
    # The memory layout changes how convolutions walk memory, not what they compute.
    _, plain = _run("bce")
    _, nhwc = _run("bce", cfg=dataclasses.replace(CFG, channels_last=True))
    for (_, d1, g1), (_, d2, g2) in zip(plain.losses, nhwc.losses, strict=True):
        assert math.isclose(d1, d2, rel_tol=1e-3)
        assert math.isclose(g1, g2, rel_tol=1e-3)
