"""DCGAN-style face GANs: models, losses, the training loop and sample-diversity metrics."""
