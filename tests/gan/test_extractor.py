import torch

from ganrnn.config import ExtractorConfig
from ganrnn.gan.extractor import DigitClassifier, FaceAutoencoder, batched, build_extractor, load_extractor, train_autoencoder, train_classifier
from ganrnn.io import save_torch

from helpers import SavedStates

CFG = ExtractorConfig(feature_dim=8, steps=150, batch_size=16, lr=3e-3, log_every=50, checkpoint_every=60)


def test_autoencoder_shapes():
    model = FaceAutoencoder(3, 32, 8)
    x = torch.zeros(2, 3, 32, 32)
    assert model(x).shape == (2, 3, 32, 32)
    assert model.features(x).shape == (2, 8)


def test_classifier_planes():
    model = DigitClassifier(16, 8)
    x = torch.zeros(5, 3, 16, 16)
    assert model.features(x).shape == (5, 24)
    assert model.digits(x).shape == (5, 3)


def test_autoencoder_loss_falls():
    images = torch.rand(32, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    torch.manual_seed(0)
    curve = train_autoencoder(FaceAutoencoder(1, 16, 8), images, CFG, torch.Generator().manual_seed(0))
    assert curve[-1][1] < curve[0][1]


def test_classifier_learns_two_patterns():
    # Digit 0 is a bright left half, digit 1 a bright right half: separable in a few steps.
    left = torch.full((20, 1, 16, 16), -1.0)
    left[..., :8] = 1.0
    right = left.flip(-1)
    images, labels = torch.cat([left, right]), torch.tensor([0] * 20 + [1] * 20)
    torch.manual_seed(0)
    model = DigitClassifier(16, 8)
    train_classifier(model, images, labels, CFG, torch.Generator().manual_seed(0))
    assert (model(images).argmax(1) == labels).all()


def test_batched_equals_whole():
    model = FaceAutoencoder(1, 16, 8).eval()
    x = torch.randn(10, 1, 16, 16)
    assert torch.allclose(batched(model.features, x, batch_size=3), model.features(x), atol=1e-6)


def test_load_round_trip(tmp_path):
    model = build_extractor("digits", 1, 16, 8)
    save_torch(tmp_path / "e.pt", {"dataset": "digits", "state_dict": model.state_dict(), "feature_dim": 8, "image_shape": [1, 16, 16]})
    loaded = load_extractor(tmp_path / "e.pt")
    x = torch.randn(3, 3, 16, 16)
    assert torch.equal(loaded.features(x), model.eval().features(x))


def test_load_rejects_other_checkpoint(tmp_path):
    import pytest

    save_torch(tmp_path / "g.pt", {"generator": {}})
    with pytest.raises(ValueError, match="not a train_extractor checkpoint"):
        load_extractor(tmp_path / "g.pt")


def test_resume_equals_uninterrupted():
    images = torch.rand(32, 1, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    save = SavedStates()

    def run(resume=None):
        torch.manual_seed(0)
        model = FaceAutoencoder(1, 16, 8)
        curve = train_autoencoder(model, images, CFG, torch.Generator().manual_seed(0), resume, save)
        return model, curve

    full, full_curve = run()
    resumed, resumed_curve = run(save.load(120))
    assert resumed_curve == full_curve
    for a, b in zip(full.state_dict().values(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b)
