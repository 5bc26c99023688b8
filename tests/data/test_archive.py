import stat
import zipfile

import pytest

from ganrnn.data.archive import UnsafeArchiveError, open_checked, read_member


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_read_member_ok(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"dir/text_utf8.txt": "hello"})
    assert read_member(archive, "text_utf8.txt") == b"hello"


def test_missing_member(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"other.txt": "x"})
    with pytest.raises(UnsafeArchiveError, match=r"has no member 'text.txt'; it has: other.txt"):
        read_member(archive, "text.txt")


def test_parent_member_rejected(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"../evil.txt": "x"})
    with pytest.raises(UnsafeArchiveError, match=r"points outside the archive folder"):
        open_checked(archive)


def test_absolute_member_rejected(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"/etc/evil.txt": "x"})
    with pytest.raises(UnsafeArchiveError, match=r"absolute path"):
        open_checked(archive)


def test_symlink_member_rejected(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match=r"symbolic link"):
        open_checked(path)


def test_oversized_member_rejected(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"big.txt": "x" * 1000})
    with pytest.raises(UnsafeArchiveError, match=r"1000 bytes, over the limit of 100"):
        open_checked(archive, max_member_bytes=100)


def test_corrupt_zip(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(UnsafeArchiveError, match=r"is not a readable zip file"):
        open_checked(path)


def test_corrupt_member_data(tmp_path):
    archive = _zip(tmp_path / "a.zip", {"t.txt": "hello world, hello world"})
    data = bytearray(archive.read_bytes())
    index = data.index(b"hello world")
    data[index : index + 5] = b"HELLO"  # stored, uncompressed: the CRC no longer matches
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchiveError, match=r"is corrupt"):
        read_member(archive, "t.txt")
