from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from helpers import ROOT


@pytest.fixture
def raw_params() -> dict:
    """The repository's params.yaml as a plain dict, safe to modify."""
    return copy.deepcopy(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8")))


@pytest.fixture
def params(raw_params):
    from ganrnn.config import Params, build

    return build(Params, raw_params, "")


def _write_fake_results(root: Path, params, accuracy: float = 0.9, test_loss: float = 1.9) -> None:
    """Write metrics/ and plots/ shaped like the pipeline's, with made-up numbers."""
    import torch

    from ganrnn.io import write_json, write_png, write_table, write_text
    from ganrnn.config import gan_variants

    metrics, plots = root / "metrics", root / "plots"
    iterations = [1, 5, 10]
    write_json(metrics / "extractor" / "faces.json", {"extractor": "faceae", "reconstruction_mse": 0.01})
    write_json(metrics / "extractor" / "digits.json", {"extractor": "digitcnn", "test_accuracy": 0.95, "test_digits": 359})
    for dataset in ("faces", "digits"):
        for k, v in enumerate(gan_variants(params.gan_losses)):
            base = plots / "gan" / dataset / v
            write_json(metrics / "gan" / dataset / v / "train.json", {
                "d_loss": 0.5 + k, "g_loss": 2.0, "final_diversity": 0.3 + 0.1 * k,
                "min_diversity": 0.1 + 0.2 * k, "min_diversity_iteration": 5, "train_images": 100,
            })  # fmt: skip
            write_table(base / "train" / "losses.tsv", ["iteration", "d_loss", "g_loss"],
                        [(i, 1.0 / i + k, 2.0) for i in range(1, 11)])  # fmt: skip
            write_table(base / "train" / "diversity.tsv", ["iteration", "diversity"], [(i, 0.1 * i) for i in iterations])
            # SN variants (even k) keep sigma_max at 1; the others grow with training.
            write_table(base / "train" / "sigma.tsv", ["iteration", "sigma_max", "conv1"],
                        [(i, 1.0 if k % 2 == 0 else 1.0 + i, 1.0) for i in range(1, 11)])  # fmt: skip
            for i in iterations:
                write_png(base / "train" / "grids" / f"iter_{i:06d}.png", torch.full((3, 8, 8), 10 * i, dtype=torch.uint8))
            # Variant k: FD 10 + k, duplicates peak at iteration 5 (0.2 * k) and end at 0.1 * k.
            rows = [
                {"iteration": i, "fd": 10.0 + k + (10 - i), "kid": 1.0 + k, "kid_std": 0.1,
                 "duplicate_rate_pixel": {1: 0.0, 5: 0.2 * k, 10: 0.1 * k}[i], "duplicate_rate_feature": 0.0,
                 "msssim": 0.3, "memorization": 1.2 - 0.2 * k, "diversity": 0.8,
                 **({"modes_in_samples": 10 * (k + 1) + i} if dataset == "digits" else {})}
                for i in iterations
            ]  # fmt: skip
            write_table(base / "eval" / "evaluation.tsv", list(rows[0]), [list(r.values()) for r in rows])
            write_png(base / "eval" / "duplicates.png", torch.zeros((3, 8, 8), dtype=torch.uint8))
            final = {key: value for key, value in rows[-1].items() if key != "iteration"}
            write_json(metrics / "gan" / dataset / v / "eval.json", {
                **final, "extractor": "faceae" if dataset == "faces" else "digitcnn", "samples": 50,
                "real_samples": 40, "real_msssim": 0.25, "max_duplicate_rate_pixel": 0.2 * k,
                "max_duplicate_iteration": 5,
                **({"modes_covered": 100 * (k + 1), "mode_kl": 2.0 - 0.1 * k, "coverage_samples": 1000} if dataset == "digits" else {}),
            })  # fmt: skip
    for k, c in enumerate(("rnn", "lstm", "gru")):
        write_json(metrics / "textgen" / f"{c}.json", {
            "train_loss": 1.8, "test_loss": test_loss + 0.1 * k, "train_bpc": 2.6, "test_bpc": 2.7,
            "hidden_size": 40 - 10 * k, "parameters": 1000 + k,
        })  # fmt: skip
        write_table(plots / "textgen" / c / "loss.tsv", ["step", "train_loss", "test_loss"], [(10, 3.0, 3.1), (20, 2.0, 2.1)])
        write_text(plots / "textgen" / c / "sample.txt", f"ROMEO:\nsample of {c}\n")
    _write_fake_langid(root, params, accuracy)


def _write_fake_langid(root: Path, params, accuracy: float = 0.9) -> None:
    """Write the langid metrics and plots of every cell and of the baseline, with made-up numbers."""
    from ganrnn.config import LANGUAGES
    from ganrnn.io import write_json, write_table
    from ganrnn.text.langid import per_language_accuracy

    metrics, plots = root / "metrics", root / "plots"
    # Every RNN names english right and half of each other language's chunks. The baseline names
    # the first five languages right and half of the others, and is 0.1 less accurate per length.
    classifiers = {c: (accuracy, 0.5, lambda i, lang: lang == "english") for c in params.langid.cells}
    classifiers["baseline"] = (0.8, 0.4, lambda i, lang: i < 5)
    for name, (overall, offset, always_right) in classifiers.items():
        rows = []
        for i, lang in enumerate(LANGUAGES):
            wrong = "english" if lang == "french" else "french"
            rows += [(lang, lang), (lang, lang if always_right(i, lang) else wrong)]
        write_json(metrics / "langid" / f"{name}.json", {
            "accuracy": overall, "kaggle_accuracy": overall, "test_chunks": 40, "test_chunks_sha256": "0" * 64,
            "per_language_accuracy": per_language_accuracy([t for t, _ in rows], [p for _, p in rows]),
        })  # fmt: skip
        write_table(plots / "langid" / name / "confusion.csv", ["actual", "predicted"], rows)
        write_table(plots / "langid" / name / "accuracy_by_length.tsv", ["length", "accuracy", "chunks"],
                    [(n, offset + n / 100, 3) for n in range(10, 51)])  # fmt: skip


@pytest.fixture
def fake_results(tmp_path, params):
    """A folder holding fake metrics/ and plots/, and a writer to overwrite them."""

    def write(**kwargs) -> Path:
        _write_fake_results(tmp_path, params, **kwargs)
        return tmp_path

    write()
    return write


@pytest.fixture
def fake_langid_results(tmp_path, params):
    """A folder holding fake langid metrics/ and plots/ only."""
    _write_fake_langid(tmp_path, params)
    return tmp_path


class _FixtureServer:
    """A loopback HTTP server over a folder, with switches for faults the tests inject."""

    def __init__(self, root: Path) -> None:
        import http.server
        import threading

        self.root = root
        self.requests: list[dict] = []
        self.truncate_next: int | None = None  # send only this many bytes of the next response
        self.fail_next: list[int] = []  # respond to the next requests with these status codes
        self.ignore_range = False
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                server.requests.append({"path": self.path, "range": self.headers.get("Range")})
                if server.fail_next:
                    self.send_error(server.fail_next.pop(0))
                    return
                file = server.root / self.path.lstrip("/")
                if not file.is_file():
                    self.send_error(404)
                    return
                data = file.read_bytes()
                start = 0
                range_header = self.headers.get("Range")
                if range_header and not server.ignore_range:
                    start = int(range_header.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.truncate_next is not None:
                    body, server.truncate_next = body[: server.truncate_next], None
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving files that the test writes into `server.root`."""
    root = tmp_path / "served"
    root.mkdir()
    server = _FixtureServer(root)
    yield server
    server.close()
