"""The installed version of aiqm."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("aiqm")
except metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"
