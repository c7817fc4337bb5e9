"""JSON Schemas of the project file, the AIT manifest and the report."""

from __future__ import annotations

from typing import Any

from aiqm.exceptions import InputError

__all__ = ["SCHEMAS", "json_schema"]

SCHEMAS = ("project", "manifest", "report")


def json_schema(what: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of ``project``, ``manifest`` or ``report``."""
    if what == "project":
        from aiqm.core.project import ProjectFile

        schema = ProjectFile.model_json_schema()
        schema["title"] = "aiqm project file (aiqm.yaml)"
    elif what == "manifest":
        from aiqm.core.manifest import AITManifest

        schema = AITManifest.model_json_schema()
        schema["title"] = "aiqm AIT manifest"
    elif what == "report":
        from aiqm.render.report_model import report_json_schema

        return report_json_schema()
    else:
        raise InputError(f"unknown schema {what!r}; use one of {', '.join(SCHEMAS)}")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
