import hashlib

import pytest

from ganrnn.data.download import DownloadError, check_url, download

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


@pytest.fixture
def served(http_server):
    (http_server.root / "file.bin").write_bytes(PAYLOAD)
    return http_server


def _fast(url, dest, **kwargs):
    return download(url, dest, backoff=0.01, timeout=5, **kwargs)


def test_download_ok(served, tmp_path):
    dest = _fast(f"{served.url}/file.bin", tmp_path / "out" / "file.bin", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert dest.read_bytes() == PAYLOAD
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"]


def test_earlier_download_reused(served, tmp_path):
    checksum = hashlib.sha256(PAYLOAD).hexdigest()
    _fast(f"{served.url}/file.bin", tmp_path / "file.bin", sha256=checksum)
    _fast(f"{served.url}/file.bin", tmp_path / "file.bin", sha256=checksum)
    assert len(served.requests) == 1


def test_stale_download_replaced(served, tmp_path):
    (tmp_path / "file.bin").write_bytes(b"old content")
    dest = _fast(f"{served.url}/file.bin", tmp_path / "file.bin", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert dest.read_bytes() == PAYLOAD


def test_checksum_mismatch(served, tmp_path):
    with pytest.raises(DownloadError) as err:
        _fast(f"{served.url}/file.bin", tmp_path / "file.bin", sha256="0" * 64, setting="data.shakespeare")
    message = str(err.value)
    assert "checksum mismatch" in message
    assert "data.shakespeare.sha256" in message
    assert list(tmp_path.iterdir()) == [served.root]


def test_not_found(served, tmp_path):
    with pytest.raises(DownloadError) as err:
        _fast(f"{served.url}/missing.bin", tmp_path / "missing.bin", setting="data.faces")
    message = str(err.value)
    assert "HTTP 404" in message
    assert "data.faces.source: local" in message
    assert "data.faces.source: packaged" in message
    assert len(served.requests) == 1


def test_truncated_then_resumed(served, tmp_path):
    served.truncate_next = 30_000
    dest = _fast(f"{served.url}/file.bin", tmp_path / "file.bin", sha256=hashlib.sha256(PAYLOAD).hexdigest())
    assert dest.read_bytes() == PAYLOAD
    assert [r["range"] for r in served.requests] == [None, "bytes=30000-"]


def test_partial_file_resumed(served, tmp_path):
    (tmp_path / "file.bin.part").write_bytes(PAYLOAD[:1000])
    dest = _fast(f"{served.url}/file.bin", tmp_path / "file.bin")
    assert dest.read_bytes() == PAYLOAD
    assert served.requests[0]["range"] == "bytes=1000-"


def test_server_without_range(served, tmp_path):
    served.ignore_range = True
    (tmp_path / "file.bin.part").write_bytes(b"garbage")
    assert _fast(f"{served.url}/file.bin", tmp_path / "file.bin").read_bytes() == PAYLOAD


def test_server_error_retried(served, tmp_path):
    served.fail_next = [503, 500]
    assert _fast(f"{served.url}/file.bin", tmp_path / "file.bin").read_bytes() == PAYLOAD
    assert len(served.requests) == 3


def test_retries_exhausted(served, tmp_path):
    served.fail_next = [503] * 10
    with pytest.raises(DownloadError, match=r"failed after 3 attempts \(HTTP 503\)"):
        _fast(f"{served.url}/file.bin", tmp_path / "file.bin", retries=2)


def test_unreachable_host(tmp_path):
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError) as err:
        _fast(f"http://127.0.0.1:{port}/file.bin", tmp_path / "file.bin", retries=1, setting="data.languages")
    assert f"http://127.0.0.1:{port}/file.bin" in str(err.value)
    assert "data.languages.source: local" in str(err.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x", "/local/path"])
def test_non_http_rejected(url):
    with pytest.raises(ValueError, match=r"only http and https URLs are allowed"):
        check_url(url)
