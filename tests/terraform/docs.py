"""Generate the variable/output tables of terraform/README.md from the modules' sources.

``.venv/bin/python -m tests.terraform.docs`` rewrites every block between
``<!-- BEGIN_TF_DOCS <module> -->`` and ``<!-- END_TF_DOCS <module> -->``;
test_docs.py fails when a table is out of date.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .hcl import MODULES, PROPERTIES_MODULE, TERRAFORM, blocks, module_locals, unquote

README = TERRAFORM / "README.md"
BLOCK = re.compile(
    r"(<!-- BEGIN_TF_DOCS (?P<name>[\w/]+) -->\n)(?P<body>.*?)(<!-- END_TF_DOCS (?P=name) -->)", re.S
)


def _text(value) -> str:
    text = str(unquote(value) if value is not None else "")
    text = re.sub(r"^<<-?EOT\s*|\s*EOT$", "", text.strip())
    return re.sub(r"\s+", " ", text).strip().replace("|", "\\|")


def _type(value) -> str:
    text = str(value)
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    text = re.sub(r"\s+", " ", text)
    if len(text) > 40:
        text = text[: text.index("(") + 1] + "...)" if "(" in text else text[:40] + "..."
    return f"`{text}`"


def _default(body: dict) -> str:
    if "default" not in body:
        return "required"
    value = unquote(body["default"])
    if isinstance(value, str) and value.startswith("${"):
        return f"`{value[2:-1]}`"
    return f"`{json.dumps(value)}`"


def module_tables(directory: Path) -> str:
    lines = ["| Variable | Type | Default | Description |", "|---|---|---|---|"]
    for name, body in blocks(directory / "variables.tf", "variable"):
        description = _text(body.get("description"))
        lines.append(f"| `{name}` | {_type(body.get('type'))} | {_default(body)} | {description} |")
    lines += ["", "| Output | Description |", "|---|---|"]
    for name, body in blocks(directory / "outputs.tf", "output"):
        lines.append(f"| `{name}` | {_text(body.get('description'))} |")
    return "\n".join(lines) + "\n"


def property_table() -> str:
    """application_properties attribute -> runtime property group and key."""
    local_values = module_locals(PROPERTIES_MODULE / "main.tf")
    lines = ["| `application_properties` attribute | Property group | Key |", "|---|---|---|"]
    for attr, spec in unquote(local_values["property_keys"]).items():
        for key_attr, key in spec["keys"].items():
            lines.append(f"| `{attr}.{key_attr}` | `{spec['group']}` | `{key}` |")
    for attr, group in unquote(local_values["open_keys"]).items():
        lines.append(f"| `{attr}` (map: source -> topic) | `{group}` | the source name |")
    for attr, group in unquote(local_values["open_groups"]).items():
        lines.append(f"| `{attr}` (map: feature set -> topic) | `{group}` | the feature set name |")
    for variable, group in unquote(local_values["open_key_variables"]).items():
        lines.append(
            f"| variable `{variable}` (map: scoring -> endpoint) | `{group}` | `<scoring name>.endpoint` |"
        )
    return "\n".join(lines) + "\n"


def render(name: str) -> str:
    if name == "properties":
        return property_table()
    return module_tables(MODULES / name)


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + render(m.group("name")) + m.group(4), text)


def main() -> int:
    README.write_text(regenerate(README.read_text()))
    print(f"rewrote the generated tables of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
