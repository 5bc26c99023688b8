"""Zip reading that rejects unsafe members before anything is written."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

# The largest Bible text of the original data is about 5 MB; CelebA's zip is 1.4 GB in all but
# each JPEG is small. Members above this size are rejected as a zip bomb or a wrong file.
DEFAULT_MAX_MEMBER_BYTES = 64 * 1024 * 1024


class UnsafeArchiveError(ValueError):
    """A zip that is corrupt or contains a member that must not be extracted."""


def _check_member(archive: Path, info: zipfile.ZipInfo, max_bytes: int) -> None:
    name = info.filename
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing to extract")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} points outside the archive folder ('..')")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UnsafeArchiveError(f"{archive}: member {name!r} is a symbolic link; refusing to extract")
    if info.file_size > max_bytes:
        raise UnsafeArchiveError(
            f"{archive}: member {name!r} is {info.file_size} bytes, over the limit of {max_bytes}"
        )


def open_checked(archive: Path, max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES) -> zipfile.ZipFile:
    """Open `archive` after checking every member's path, type and size."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise UnsafeArchiveError(f"{archive} is not a readable zip file ({err}); delete it and download again") from None
    try:
        for info in zf.infolist():
            _check_member(archive, info, max_member_bytes)
    except UnsafeArchiveError:
        zf.close()
        raise
    return zf


def read_member(archive: Path, name: str, max_member_bytes: int = DEFAULT_MAX_MEMBER_BYTES) -> bytes:
    """Return the bytes of member `name`, or fail naming the members that the zip has."""
    with open_checked(archive, max_member_bytes) as zf:
        names = zf.namelist()
        matches = [n for n in names if PurePosixPath(n).name == name]
        if not matches:
            raise UnsafeArchiveError(f"{archive} has no member {name!r}; it has: {', '.join(names[:10])}")
        try:
            return zf.read(matches[0])
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as err:
            raise UnsafeArchiveError(f"{archive}: member {matches[0]!r} is corrupt ({err})") from None
