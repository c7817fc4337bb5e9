"""An AIT's manifest as Markdown, and the generated section of a package's README."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from aiqm.core.constraints import describe
from aiqm.core.manifest import AITManifest

__all__ = ["README_END", "README_START", "manifest_markdown", "update_readme"]

README_START = "<!-- aiqm:manifest:start -->"
README_END = "<!-- aiqm:manifest:end -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _help(en: str, ja: str) -> str:
    en, ja = _cell(en), _cell(ja)
    return en if not ja else f"{en}<br>{ja}" if en else ja


def manifest_markdown(m: AITManifest) -> str:
    """The manifest of an AIT as Markdown: identity, inputs, parameters, measures, outputs.

    Examples
    --------
    >>> m = AITManifest.from_data({"id": "demo", "version": "1.0.0", "description": "Demo.",
    ...     "characteristics": ["B-1"], "measures": [{"name": "n", "type": "int", "min": 0}]})
    >>> print(manifest_markdown(m).splitlines()[0])
    ### `demo@1.0.0`
    """
    lines = [f"### `{m.id}@{m.version}`" + (f" — {m.title}" if m.title else ""), ""]
    lines += [_help(m.description, m.description_ja).replace("<br>", "\n\n"), ""]
    lines += [
        "| | |", "|---|---|",
        f"| Stable id | `{m.ref}` |",
        f"| Characteristics | {', '.join(f'`{c}`' for c in m.characteristics)} |",
        f"| Requirements | {', '.join(f'`{r}`' for r in m.requirements) or '(none declared)'} |",
        f"| Licences | {', '.join(m.licenses) or '(none declared)'} |",
        "",
    ]
    if m.inventories:
        lines += ["**Inputs**", "", "| slot | kind | required | description |",
                  "|---|---|---|---|"]
        for i in m.inventories:
            kind = i.kind + (" with target" if i.requires_target else "")
            if i.formats:
                kind += f" ({', '.join(i.formats)})"
            lines.append(f"| `{i.name}` | {kind} | {'yes' if i.required else 'no'} | "
                         f"{_help(i.description, i.description_ja)} |")
        lines.append("")
    if m.parameters:
        lines += ["**Parameters**", "", "| name | allowed | default | description |",
                  "|---|---|---|---|"]
        for p in m.parameters:
            allowed = describe(p.type, p.constraints) + (" or null" if p.nullable else "")
            default = "(required)" if p.required else f"`{json.dumps(p.default, ensure_ascii=False)}`"
            lines.append(f"| `{p.name}` | {_cell(allowed)} | {default} | "
                         f"{_help(p.description, p.description_ja)} |")
        lines.append("")
    if m.measures:
        lines += ["**Measures**", "", "| name | type | range | better | description |",
                  "|---|---|---|---|---|"]
        for s in m.measures:
            rng = s.range.describe().removeprefix("in the range ")
            better = {"higher": "higher", "lower": "lower"}.get(s.direction, "—")
            type_ = s.type + (" sequence" if s.structure == "sequence" else "")
            lines.append(f"| `{s.name}` | {type_} | {_cell(rng)} | {better} | "
                         f"{_help(s.description, s.description_ja)} |")
        lines.append("")
    outputs: list[tuple[str, str, str, str]] = [
        (r.name, r.kind, r.description, r.description_ja) for r in m.resources]
    outputs += [(d.name, "download", d.description, d.description_ja) for d in m.downloads]
    if outputs:
        lines += ["**Figures, tables and files**", "", "| name | kind | description |",
                  "|---|---|---|"]
        lines += [f"| `{n}` | {k} | {_help(en, ja)} |" for n, k, en, ja in outputs]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def update_readme(readme: Path, manifests: Sequence[AITManifest]) -> bool:
    """Replace the generated section of ``readme`` with ``manifests``; return whether it changed.

    The section lies between :data:`README_START` and :data:`README_END`; a README
    without the markers gets the section appended under a ``## Manifest`` heading.
    """
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    body = "\n".join(manifest_markdown(m) for m in manifests)
    section = f"{README_START}\n{body}{README_END}"
    if README_START in text and README_END in text:
        head, _, rest = text.partition(README_START)
        _, _, tail = rest.partition(README_END)
        new = head + section + tail
    else:
        new = text.rstrip() + ("\n\n" if text.strip() else "") + f"## Manifest\n\n{section}\n"
    if new == text:
        return False
    readme.write_text(new, encoding="utf-8")
    return True
