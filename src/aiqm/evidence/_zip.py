"""The canonical zip layout of evidence bundles, and safe entry names.

Bundles are written in one canonical form so that verification can tell that
no byte outside the signed files was touched either: entries in sorted name
order, stored (not compressed), with a fixed time stamp (1980-01-01), Unix
permissions 0644, no extra fields and no comments. Stored entries also make a
zip bomb impossible: an entry's size equals the bytes it takes in the file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from typing import IO

__all__ = ["CHUNK", "ZIP_EPOCH", "canonical_info", "check_name", "copy_entry"]

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK = 1 << 20
_FILE_MODE = 0o100644  # regular file, rw-r--r--
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\:]")


def canonical_info(name: str, size: int) -> zipfile.ZipInfo:
    """The ZipInfo every bundle entry is written with."""
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3  # Unix, so that external_attr holds the mode
    info.external_attr = _FILE_MODE << 16
    info.file_size = size
    return info


def check_name(name: str) -> str | None:
    """Why ``name`` is not a safe bundle path, or None when it is.

    A safe name is relative, uses ``/`` as separator, has no empty, ``.`` or
    ``..`` component, no backslash, colon or control character, and names a file.

    Examples
    --------
    >>> check_name("report/report.json") is None
    True
    >>> check_name("../etc/passwd")
    "it has a '..' component"
    """
    if not name:
        return "it is empty"
    if name.startswith("/"):
        return "it is absolute"
    if name.endswith("/"):
        return "it is a folder entry"
    if _BAD_CHARS.search(name):
        return "it holds a backslash, colon or control character"
    parts = name.split("/")
    if ".." in parts:
        return "it has a '..' component"
    if any(p in ("", ".") for p in parts):
        return "it has an empty or '.' component"
    return None


def copy_entry(
    out: zipfile.ZipFile,
    name: str,
    size: int,
    chunks: Iterable[bytes],
    sink: IO[bytes] | None = None,
) -> None:
    """Write one canonical entry of ``size`` bytes from ``chunks`` (also fed to ``sink``)."""
    with out.open(canonical_info(name, size), "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as fh:
        for chunk in chunks:
            fh.write(chunk)
            if sink is not None:
                sink.write(chunk)
