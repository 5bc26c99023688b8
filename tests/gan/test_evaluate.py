import numpy as np
import pytest
import torch

from ganrnn.config import GanEvalConfig
from ganrnn.gan.evaluate import (
    duplicate_clusters, evaluate_run, evaluate_snapshot, find_inception_weights, mode_coverage, outlined_grid, reference_stats,
)  # fmt: skip
from ganrnn.gan.extractor import DigitClassifier, FaceAutoencoder
from ganrnn.gan.models import Generator

CFG = GanEvalConfig(samples=40, coverage_samples=200, batch_size=10, kid_subsets=2, kid_subset_size=20, msssim_pairs=10, inception_weights="")


class OneImage(torch.nn.Module):
    """A generator that ignores its noise and always draws the same image."""

    def __init__(self, image: torch.Tensor) -> None:
        super().__init__()
        self.image = torch.nn.Parameter(image)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.image.expand(z.shape[0], -1, -1, -1)


def _images(n=60, channels=3, size=16, seed=0) -> np.ndarray:
    return torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed)).numpy()


def test_collapsed_generator_all_duplicates():
    extractor = FaceAutoencoder(3, 16, 8).eval()
    ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))
    generator = OneImage(ref.real[0])
    result, _ = evaluate_snapshot(generator, ref, extractor, CFG, torch.randn(40, 4, 1, 1), seed=0)
    assert result["duplicate_rate_pixel"] == 1.0
    assert result["duplicate_rate_feature"] == 1.0


def test_one_image_covers_one_mode():
    # Whatever the classifier names, an image that never changes lands in a single mode.
    extractor = DigitClassifier(16, 8).eval()
    ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))
    generator = OneImage(ref.real[0])
    result, _ = evaluate_snapshot(generator, ref, extractor, CFG, torch.randn(40, 4, 1, 1), 0)
    assert result["modes_in_samples"] == 1
    coverage = mode_coverage(generator, extractor, torch.randn(200, 4, 1, 1), CFG.batch_size)
    assert coverage["modes_covered"] == 1
    assert coverage["mode_kl"] == pytest.approx(np.log(1000))


def test_run_covers_last_snapshot():
    extractor = DigitClassifier(16, 8).eval()
    ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))
    generator = Generator(4, 4, 3, 16)
    snapshots = {}
    for iteration in (1, 5):
        torch.manual_seed(iteration)
        snapshots[iteration] = Generator(4, 4, 3, 16).state_dict()
    noise, coverage_noise = torch.randn(40, 4, 1, 1), torch.randn(200, 4, 1, 1)
    rows, samples_at, coverage = evaluate_run(generator, snapshots, ref, extractor, CFG, noise, 0, coverage_noise)
    assert [r["iteration"] for r in rows] == [1, 5]
    assert sorted(samples_at) == [1, 5]
    # The coverage belongs to the last snapshot: the same weights measured on their own agree.
    generator.load_state_dict(snapshots[5])
    assert coverage == mode_coverage(generator, extractor, coverage_noise, CFG.batch_size)
    assert rows[-1] == {"iteration": 5, **evaluate_snapshot(generator, ref, extractor, CFG, noise, 0)[0]}


def test_coverage_needs_the_digit_classifier():
    extractor = FaceAutoencoder(3, 16, 8).eval()
    ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))
    generator = Generator(4, 4, 3, 16)
    with pytest.raises(TypeError, match="digit classifier"):
        evaluate_run(generator, {1: generator.state_dict()}, ref, extractor, CFG, torch.randn(40, 4, 1, 1), 0, torch.randn(20, 4, 1, 1))


def test_real_images_as_samples_fd_zero():
    # A "generator" that replays the real subset gives FD 0 against it.
    extractor = FaceAutoencoder(3, 16, 8).eval()
    ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))

    class Replay(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dummy = torch.nn.Parameter(torch.zeros(1))

        def forward(self, z):
            return ref.real[z[:, 0, 0, 0].long()]

    noise = torch.arange(40).float().view(40, 1, 1, 1)
    result, _ = evaluate_snapshot(Replay(), ref, extractor, CFG, noise, seed=0)
    assert result["fd"] < 1e-6


def test_same_seed_same_metrics():
    extractor = FaceAutoencoder(3, 16, 8).eval()
    generator = Generator(4, 4, 3, 16)
    noise = torch.randn(40, 4, 1, 1, generator=torch.Generator().manual_seed(1))
    results = []
    for _ in range(2):
        ref = reference_stats(_images(), extractor, CFG, torch.Generator().manual_seed(0))
        results.append(evaluate_snapshot(generator, ref, extractor, CFG, noise, seed=0)[0])
    assert results[0] == results[1]


def test_clusters_join_chains():
    assert duplicate_clusters([(0, 3), (3, 5), (1, 2)]) == {0: 0, 1: 1, 2: 1, 3: 0, 5: 0}


def test_outlined_grid_frames_duplicates():
    samples = torch.zeros(4, 3, 8, 8)
    grid = outlined_grid(samples, [(0, 3)])
    # Tile 0 sits at (2, 2); its frame is one pixel outside, at row 1. Tile 1 has no frame.
    assert grid[:, 1, 5].tolist() == [230, 25, 75]
    assert grid[:, 1, 15].tolist() != [230, 25, 75]


def test_inception_weights_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="gan_eval.inception_weights"):
        find_inception_weights(str(tmp_path / "nope.pth"))


def test_inception_weights_none_without_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    assert find_inception_weights("") is None
