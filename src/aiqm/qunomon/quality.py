"""Qunomon quality-dimension URIs → MLQM characteristic ids.

A Qunomon manifest names the one quality dimension (QD) its AIT evidences with a
URI of the form::

    https://<ait-hub host>/ait-hub/api/0.0.1/qualityDimensions/<guideline title>/<QD name>

where the guideline title and the QD name are Japanese, e.g.
``…/qualityDimensions/機械学習品質マネジメントガイドライン第三版/C-1機械学習モデルの正確性``
(possibly percent-encoded). The QD name of an internal characteristic starts with
its code (``A-1`` … ``E-1``); external ones are named only (``AIパフォーマンス``).
This module maps such a URI onto the characteristic id of the packaged
``aist-mlqm@3`` guideline.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from aiqm.core.guideline import Guideline, load_guideline

__all__ = ["MLQM_REF", "QualityDimension", "parse_quality_uri"]

#: The guideline QD URIs are mapped onto.
MLQM_REF = "aist-mlqm@3"

_CODE = re.compile(r"^([A-E])\s*[-‐‑–ー－]\s*(\d)")
_MLQM_TITLE = "機械学習品質マネジメントガイドライン"


@dataclass(frozen=True)
class QualityDimension:
    """A parsed QD URI: the characteristic it maps to and what the URI said."""

    characteristic: str
    guideline_title: str
    name: str
    #: Set when the URI names a guideline other than the MLQM guideline.
    warning: str = ""


def _norm(text: str) -> str:
    """Compare names ignoring width (NFKC), case and white space."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _names(g: Guideline) -> dict[str, str]:
    """Normalised name (en, ja, aliases, id) → characteristic id."""
    out: dict[str, str] = {}
    for c in g.characteristics:
        for text in (c.id, c.names.en, c.names.ja, *c.aliases.values()):
            if text:
                out[_norm(text)] = c.id
    return out


def parse_quality_uri(uri: str) -> QualityDimension:
    """Map a Qunomon QD URI onto an MLQM characteristic id.

    Parameters
    ----------
    uri : str
        The manifest's ``quality`` value.

    Returns
    -------
    QualityDimension

    Raises
    ------
    ValueError
        When the URI is not a QD URI or its QD name matches no characteristic; the
        message lists the names that are understood.

    Examples
    --------
    >>> parse_quality_uri("https://ait-hub.pj.aist.go.jp/ait-hub/api/0.0.1/qualityDimensions/"
    ...                   "機械学習品質マネジメントガイドライン第三版/C-1機械学習モデルの正確性").characteristic
    'C-1'
    """
    if not isinstance(uri, str) or not uri.strip():
        raise ValueError("must be a quality-dimension URI (…/qualityDimensions/<guideline>/<QD name>)")
    parts = urlsplit(uri.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"{uri!r} is not a URI; write the QD URI of the AIT Hub, e.g. "
            "https://ait-hub.pj.aist.go.jp/ait-hub/api/0.0.1/qualityDimensions/"
            "機械学習品質マネジメントガイドライン第三版/C-1機械学習モデルの正確性"
        )
    segments = [unquote(s) for s in parts.path.split("/") if s]
    try:
        at = next(i for i, s in enumerate(segments) if s.lower() == "qualitydimensions")
    except StopIteration:
        raise ValueError(
            f"{uri!r} has no 'qualityDimensions' segment; a QD URI ends in "
            "…/qualityDimensions/<guideline title>/<QD name>"
        ) from None
    rest = segments[at + 1:]
    if len(rest) != 2:
        raise ValueError(
            f"{uri!r} must end in …/qualityDimensions/<guideline title>/<QD name> "
            f"(found {len(rest)} segment(s) after 'qualityDimensions')"
        )
    title, qd_name = rest
    g = load_guideline(MLQM_REF)
    cid = None
    code = _CODE.match(unicodedata.normalize("NFKC", qd_name).strip())
    if code:
        candidate = f"{code.group(1)}-{code.group(2)}"
        if g.characteristic(candidate) is not None:
            cid = candidate
    if cid is None:
        cid = _names(g).get(_norm(qd_name))
    if cid is None:
        known = ", ".join(f"{c.id} {c.names.ja}" for c in g.characteristics)
        raise ValueError(
            f"quality dimension {qd_name!r} matches no characteristic of the MLQM guideline "
            f"({MLQM_REF}); use a QD name such as 'C-1機械学習モデルの正確性' (known: {known})"
        )
    warning = ""
    if _MLQM_TITLE not in unicodedata.normalize("NFKC", title):
        warning = (
            f"the QD URI names guideline {title!r}, not the MLQM guideline; its QD "
            f"{qd_name!r} was mapped to {cid} of {MLQM_REF}"
        )
    return QualityDimension(characteristic=cid, guideline_title=title, name=qd_name, warning=warning)
