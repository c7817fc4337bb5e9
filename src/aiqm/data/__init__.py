"""Data layer: digests, safe paths, readers, the Arrow cache and ``Dataset``."""

from __future__ import annotations

from aiqm.data.cache import atomic_path, cache_path, materialise, open_mmap
from aiqm.data.dataset import Dataset, format_columns
from aiqm.data.digest import digest_hex, sha256_bytes, sha256_path
from aiqm.data.paths import resolve_inside
from aiqm.data.readers import SUPPORTED_FORMATS, detect_format, read_batches, read_table

__all__ = [
    "SUPPORTED_FORMATS",
    "Dataset",
    "atomic_path",
    "cache_path",
    "detect_format",
    "digest_hex",
    "format_columns",
    "materialise",
    "open_mmap",
    "read_batches",
    "read_table",
    "resolve_inside",
    "sha256_bytes",
    "sha256_path",
]
