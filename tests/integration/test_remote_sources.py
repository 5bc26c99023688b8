"""The remote sources end to end: `dvc repro` of the download and prepare stages against a
real HTTP server on 127.0.0.1 that serves tiny files in each original format."""

import hashlib
import io
import sys
import zipfile

import numpy as np
import pytest
import yaml
from PIL import Image

from ganrnn.data import bibles, languages
from helpers import run_command

pytestmark = pytest.mark.integration

STAGES = ["prepare@faces", "prepare@shakespeare", "prepare@languages"]
SHAKESPEARE = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n" * 40


def _serve_originals(root) -> None:
    with zipfile.ZipFile(root / "img_align_celeba.zip", "w") as zf:
        for i in range(5):
            buffer = io.BytesIO()
            Image.new("RGB", (178, 218), (40 * i, 90, 160)).save(buffer, format="JPEG")
            zf.writestr(f"img_align_celeba/{i + 1:06d}.jpg", buffer.getvalue())
        zf.writestr("img_align_celeba/000006.jpg", b"truncated, not a JPEG")
    (root / "input.txt").write_text(SHAKESPEARE, encoding="utf-8")
    (root / "bibles").mkdir()
    for language, name in bibles.TRANSLATIONS.items():
        header = "\n".join(f"#header {i}" for i in range(bibles.HEADER_LINES))
        verses = "\n".join(f"1\t1\t{i}\t\t{language} verse {i % 97}" for i in range(28_100))
        with zipfile.ZipFile(root / "bibles" / f"{name}.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"{name}_utf8.txt", header + "\n" + verses + "\n")


def _set_params(repo, http_server, **faces) -> None:
    path = repo / "params.yaml"
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    params["data"]["faces"].update(source="remote", url=f"{http_server.url}/img_align_celeba.zip", **faces)
    params["data"]["shakespeare"].update(
        source="remote", url=f"{http_server.url}/input.txt", sha256=hashlib.sha256(SHAKESPEARE.encode()).hexdigest()
    )
    params["data"]["languages"].update(source="remote", base_url=f"{http_server.url}/bibles")
    path.write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def test_remote_download_and_prepare(make_repo, http_server):
    _serve_originals(http_server.root)
    repo, env = make_repo()
    _set_params(repo, http_server)
    run_command([sys.executable, "-m", "dvc", "repro", *STAGES], repo, env)

    images = np.load(repo / "data" / "prepared" / "faces" / "images.npy", mmap_mode="r")
    summary = yaml.safe_load((repo / "data" / "prepared" / "faces" / "summary.json").read_text())
    assert images.shape == (5, 3, 32, 32)
    assert summary["skipped"] == 1
    assert (repo / "data" / "raw" / "shakespeare" / "input.txt").read_text(encoding="utf-8") == SHAKESPEARE
    chunks = languages.read_test_chunks(repo / "data" / "prepared" / "languages" / "test_chunks.tsv")
    assert len(chunks) == 1000
    for language, chunk in chunks:  # every chunk comes from its own language's verses
        assert set(chunk) <= set(f"{language} verse 0123456789"), (language, chunk)
    assert (repo / "data" / "downloads" / "languages" / "asv.zip").is_file()

    # A second repro finds everything up to date and downloads nothing more.
    requests = len(http_server.requests)
    status = run_command([sys.executable, "-m", "dvc", "status", *STAGES], repo, env)
    assert "up to date" in status.stdout
    assert len(http_server.requests) == requests


def test_bad_image_error_stops_stage(make_repo, http_server):
    _serve_originals(http_server.root)
    repo, env = make_repo()
    _set_params(repo, http_server, on_bad_image="error")
    result = run_command([sys.executable, "-m", "dvc", "repro", "prepare@faces"], repo, env, check=False)
    assert result.returncode != 0
    assert "image img_align_celeba/000006.jpg" in result.stderr
    assert "set data.faces.on_bad_image: skip" in result.stderr
    assert not (repo / "data" / "prepared" / "faces").exists()


def test_missing_remote_file(make_repo, http_server):
    _serve_originals(http_server.root)
    (http_server.root / "input.txt").unlink()
    repo, env = make_repo()
    _set_params(repo, http_server)
    result = run_command([sys.executable, "-m", "dvc", "repro", "download@shakespeare"], repo, env, check=False)
    assert result.returncode != 0
    assert f"download of {http_server.url}/input.txt failed: HTTP 404" in result.stderr
    assert "data.shakespeare.source: local" in result.stderr
    assert not (repo / "data" / "raw" / "shakespeare").exists()
