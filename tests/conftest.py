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

    from ganrnn.config import LANGUAGES
    from ganrnn.io import write_json, write_png, write_table, write_text
    from ganrnn.config import gan_variants

    metrics, plots = root / "metrics", root / "plots"
    for k, v in enumerate(gan_variants()):
        iterations = [1, 5, 10]
        write_json(metrics / "gan" / f"{v}.json", {
            "d_loss": 0.5 + k, "g_loss": 2.0, "final_diversity": 0.3 + 0.1 * k,
            "min_diversity": 0.1 + 0.2 * k, "min_diversity_iteration": 5, "train_images": 100,
        })  # fmt: skip
        write_table(plots / "gan" / v / "losses.tsv", ["iteration", "d_loss", "g_loss"],
                    [(i, 1.0 / i + k, 2.0) for i in range(1, 11)])  # fmt: skip
        write_table(plots / "gan" / v / "diversity.tsv", ["iteration", "diversity"],
                    [(i, 0.1 * i) for i in iterations])  # fmt: skip
        for i in iterations:
            write_png(plots / "gan" / v / "grids" / f"iter_{i:06d}.png", torch.full((3, 8, 8), 10 * i, dtype=torch.uint8))
    for c in ("rnn", "lstm", "gru"):
        write_json(metrics / "textgen" / f"{c}.json", {
            "train_loss": 1.8, "test_loss": test_loss, "train_bpc": 2.6, "test_bpc": 2.7, "parameters": 1000,
        })  # fmt: skip
        write_table(plots / "textgen" / c / "loss.tsv", ["step", "train_loss", "test_loss"], [(10, 3.0, 3.1), (20, 2.0, 2.1)])
        write_text(plots / "textgen" / c / "sample.txt", f"ROMEO:\nsample of {c}\n")
    for c in params.langid.cells:
        write_json(metrics / "langid" / f"{c}.json", {"accuracy": accuracy, "kaggle_accuracy": accuracy, "test_chunks": 40})
        rows = [(lang, lang if j % 2 == 0 else "english") for lang in LANGUAGES for j in range(2)]
        write_table(plots / "langid" / c / "confusion.csv", ["actual", "predicted"], rows)
        write_table(plots / "langid" / c / "accuracy_by_length.tsv", ["length", "accuracy", "chunks"],
                    [(n, 0.5 + n / 100, 3) for n in range(10, 51)])  # fmt: skip


@pytest.fixture
def fake_results(tmp_path, params):
    """A folder holding fake metrics/ and plots/, and a writer to overwrite them."""

    def write(**kwargs) -> Path:
        _write_fake_results(tmp_path, params, **kwargs)
        return tmp_path

    write()
    return write


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
