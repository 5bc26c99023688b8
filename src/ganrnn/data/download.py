"""HTTP(S) downloads that stream, retry with backoff, resume partial files and verify checksums."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tqdm import tqdm

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 16
# Errors of the server (5xx) and the network are retried; client errors (4xx) are not.
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class DownloadError(RuntimeError):
    """A download that failed for good; the message names the URL and the alternatives."""


def _alternatives(setting: str) -> str:
    return (
        f"check the URL and the network, or set {setting}.source: local with a path to a copy "
        f"on disk, or {setting}.source: packaged for the offline data shipped with the package"
    )


def check_url(url: str) -> None:
    """Reject URLs that are not http(s), such as file:// or ftp://."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"URL {url!r} is invalid: only http and https URLs are allowed")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK_BYTES), b""):
            digest.update(block)
    return digest.hexdigest()


class _Incomplete(Exception):
    """The connection closed before Content-Length bytes arrived; a retry resumes."""


def _fetch_once(url: str, part: Path, timeout: float) -> None:
    """Append the rest of `url` to `part`, asking for a byte range when `part` has data."""
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "ganrnn"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")

    with urllib.request.urlopen(request, timeout=timeout) as response:
        if offset and response.status != 206:
            # The server ignored the Range header and sends the whole file: start over.
            log.info("server does not resume %s; downloading from the start", url)
            offset = 0
        length = response.headers.get("Content-Length")
        expected = int(length) if length is not None else None

        received = 0
        mode = "ab" if offset else "wb"
        with open(part, mode) as fh, tqdm(
            total=None if expected is None else offset + expected, initial=offset,
            unit="B", unit_scale=True, desc=Path(urllib.parse.urlsplit(url).path).name,
            leave=False, disable=None,
        ) as bar:  # fmt: skip
            while True:
                block = response.read(CHUNK_BYTES)
                if not block:
                    break
                fh.write(block)
                received += len(block)
                bar.update(len(block))
            fh.flush()
            os.fsync(fh.fileno())
    if expected is not None and received < expected:
        raise _Incomplete(f"received {received} of {expected} bytes")


def download(
    url: str,
    dest: Path,
    *,
    sha256: str = "",
    setting: str = "data",
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 60.0,
) -> Path:
    """Download `url` to `dest` atomically, resuming from `dest.part` after an interruption.

    A `dest` left by an earlier run is reused when it matches `sha256` (or no checksum is set).

    `sha256`, when given, must match the whole file; a mismatch deletes the partial file.
    Network errors, 5xx responses and truncated transfers are retried `retries` times, waiting
    backoff * 2^k seconds. `setting` is the params key named in error messages (data.<name>).
    """
    check_url(url)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if dest.is_file():
        if not sha256 or sha256_of(dest) == sha256.lower():
            log.info("using %s, downloaded earlier from %s", dest, url)
            return dest
        log.warning("%s does not match its checksum; downloading it again", dest)
        dest.unlink()

    for attempt in range(retries + 1):
        try:
            _fetch_once(url, part, timeout)
            break
        except urllib.error.HTTPError as err:
            if err.code == 416:  # the partial file is already complete, or longer than the file
                part.unlink(missing_ok=True)
            elif err.code not in RETRY_STATUS:
                raise DownloadError(f"download of {url} failed: HTTP {err.code} {err.reason}; {_alternatives(setting)}") from None
            reason = f"HTTP {err.code}"
        except (urllib.error.URLError, OSError, http.client.HTTPException, _Incomplete) as err:
            reason = str(getattr(err, "reason", err))
        if attempt == retries:
            raise DownloadError(f"download of {url} failed after {retries + 1} attempts ({reason}); {_alternatives(setting)}")
        wait = backoff * 2**attempt
        log.warning("download of %s interrupted (%s); retry %d of %d in %.1f s", url, reason, attempt + 1, retries, wait)
        time.sleep(wait)

    if sha256:
        actual = sha256_of(part)
        if actual != sha256.lower():
            part.unlink()
            raise DownloadError(
                f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; the file was "
                f"deleted. Fix {setting}.sha256 if the file changed on purpose, or {_alternatives(setting)}"
            )
    os.replace(part, dest)
    return dest
