"""Time GAN metric computation against the training it evaluates, at the params.yaml scale.

For each data set (faces, stacked digits) the script prepares the packaged data in a temporary
folder and trains the feature extractor. For each requested variant it then trains the GAN and
runs the evaluate_gan measurements on every snapshot, timing training and evaluation apart.
Usage: python benchmarks/gan_eval_cost.py [--variants bce-true ls-false] [--datasets faces digits]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from ganrnn.config import load_params
from ganrnn.data import digits, faces
from ganrnn.gan.evaluate import evaluate_run, reference_stats
from ganrnn.gan.extractor import build_extractor, train_autoencoder, train_classifier
from ganrnn.gan.models import Generator
from ganrnn.gan.train import build_models, to_model_range, train_gan
from ganrnn.runtime import seed_everything


def prepare(dataset: str, params, root: Path) -> np.ndarray:
    raw, out = root / dataset / "raw", root / dataset / "prepared"
    raw.mkdir(parents=True)
    out.mkdir(parents=True)
    config = getattr(params.data, dataset)
    if dataset == "faces":
        faces.fetch_packaged(config, raw, root)
        faces.prepare(config, raw, out)
    else:
        digits.fetch_packaged(config, raw, root)
        digits.prepare(config, raw, out, seed=params.seed)
    return out


def extractor_for(dataset: str, out: Path, params) -> torch.nn.Module:
    rng = seed_everything(params.seed)
    cfg = params.extractor
    if dataset == "faces":
        images = to_model_range(torch.from_numpy(np.array(faces.load_prepared(out))))
        model = build_extractor("faces", images.shape[1], images.shape[2], cfg.feature_dim)
        train_autoencoder(model, images, cfg, rng)
    else:
        train_x, train_y, _, _ = (torch.from_numpy(a) for a in digits.load_classifier_data(out))
        model = build_extractor("digits", 1, train_x.shape[2], cfg.feature_dim)
        train_classifier(model, to_model_range(train_x), train_y, cfg, rng)
    return model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--datasets", nargs="+", default=["faces", "digits"])
    parser.add_argument("--variants", nargs="+", default=["bce-true"], help="<loss>-<true|false> pairs")
    args = parser.parse_args()
    params = load_params(args.params)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, gan_eval.samples={params.gan_eval.samples}, "
          f"gan_eval.coverage_samples={params.gan_eval.coverage_samples} (final snapshot)")  # fmt: skip
    print("| data set | variant | iterations | snapshots | train s | metrics s | metrics / train |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.datasets:
            out = prepare(dataset, params, Path(tmp))
            extractor = extractor_for(dataset, out, params)
            images = faces.load_prepared(out)
            cfg, schedule = params.gan, params.gan.schedule(dataset)
            for variant in args.variants:
                loss, sn = variant.rsplit("-", 1)
                rng = seed_everything(params.seed)
                generator, discriminator = build_models(cfg, images.shape[1], images.shape[2], sn == "true", loss)
                started = time.perf_counter()
                history = train_gan(generator, discriminator, images, cfg, schedule, loss, rng)
                train_seconds = time.perf_counter() - started

                # The same calls as the evaluate_gan stage, from the real statistics on.
                eval_cfg = params.gan_eval
                started = time.perf_counter()
                rng = seed_everything(params.seed)
                ref = reference_stats(images, extractor, eval_cfg, rng)
                noise = torch.randn(eval_cfg.samples, cfg.noise_dim, 1, 1, generator=rng)
                coverage = torch.randn(eval_cfg.coverage_samples, cfg.noise_dim, 1, 1, generator=rng) if dataset == "digits" else None
                snapshot_model = Generator(cfg.noise_dim, cfg.g_width, images.shape[1], images.shape[2])
                rows, _, final_coverage = evaluate_run(snapshot_model, history.snapshots, ref, extractor, eval_cfg, noise, params.seed, coverage)
                metric_seconds = time.perf_counter() - started
                print(f"| {dataset} | {variant} | {schedule.iterations} | {len(rows)} | {train_seconds:.1f} | {metric_seconds:.1f} | "
                      f"{metric_seconds / train_seconds:.1%} |")  # fmt: skip
                final = {k: v for k, v in rows[-1].items() if k != "iteration"} | final_coverage
                print("  final: " + ", ".join(f"{k} {v:.4g}" for k, v in final.items()))

if __name__ == "__main__":
    main()
