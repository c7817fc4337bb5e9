"""JSON Schemas of the project file, the AIT manifest and the report."""

from __future__ import annotations

from typing import Any

from aiqm.core.manifest import AITManifest
from aiqm.core.project import ProjectFile
from aiqm.exceptions import InputError
from aiqm.report.model import report_json_schema

__all__ = ["SCHEMAS", "json_schema"]

SCHEMAS = ("project", "manifest", "report")


def json_schema(what: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``project``, ``manifest`` or ``report``.

    Examples
    --------
    >>> json_schema("project")["title"]
    'aiqm project file (aiqm.yaml)'
    """
    if what == "project":
        schema = ProjectFile.model_json_schema()
        schema["title"] = "aiqm project file (aiqm.yaml)"
    elif what == "manifest":
        schema = AITManifest.model_json_schema()
        schema["title"] = "aiqm AIT manifest"
    elif what == "report":
        return report_json_schema()
    else:
        raise InputError(f"unknown schema {what!r}; use one of {', '.join(SCHEMAS)}")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
