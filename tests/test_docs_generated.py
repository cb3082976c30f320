"""The documents generated from the settings (docs/configuration.md, docs/errors.md, the stack-file schema).

Each is regenerated in memory and compared with the committed file, so a settings change that
is not followed by `make docs` fails here. The schema is also used on the real stack files.
"""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

import settings
import settings.checks
import settings.models
from offline_plan.recorder import ROOT, load_stack_file
from tools.config_docs import catalogue, reference
from tools.config_docs.__main__ import CONFIGURATION, ERRORS, SCHEMA, generated
from tools.config_docs.blocks import replace_block
from tools.config_docs.examples import EXAMPLES
from tools.config_docs.schema import stack_schema

MODELINE = "# yaml-language-server: $schema=./schema/stack-config.schema.json"


def settings_models() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(settings.models).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not settings.models.Model
    ]


def test_every_settings_field_has_a_description() -> None:
    missing = [
        f"{model.__name__}.{info.alias or name}"
        for model in settings_models()
        for name, info in model.model_fields.items()
        if not (info.description or "").strip()
    ]
    assert missing == [], "add a docstring under each of these fields in settings/models.py"


@pytest.mark.parametrize("path", [CONFIGURATION, ERRORS, SCHEMA], ids=lambda p: p.name)
def test_generated_file_is_fresh(path: Path) -> None:
    existing, wanted = generated()[path]
    assert existing == wanted, f"{path.relative_to(ROOT)} is stale: run make docs"


def test_regenerating_keeps_the_hand_written_text_around_the_block() -> None:
    page = CONFIGURATION.read_text()
    before, after = page.split("<!-- BEGIN GENERATED: configuration -->\n")[0], page.split("<!-- END GENERATED")[1]
    assert "## Editor setup" in before
    replaced = replace_block(page, reference.BLOCK, "| new table |\n")
    assert replaced.startswith(before + "<!-- BEGIN GENERATED: configuration -->\n| new table |\n<!-- END GENERATED")
    assert replaced.endswith(after)


def test_the_reference_lists_every_key_with_type_default_and_allowed_values() -> None:
    text = reference.render()
    assert "| `desiredCount` | integer | `1` | 0 to 10000 |" in text
    assert "| `natGateways` | string | `single` | `none`, `single`, `perAz` |" in text
    assert (
        "### `ecs.services[].autoscaling.stepScaling.scaleOut` / `ecs.services[].autoscaling.stepScaling.scaleIn`"
        in text
    )
    assert "| `container-platform:accountId` | string | required | a 12-digit AWS account id |" in text


# ------------------------------------------------------------------------------ errors.md


def _problem_and_warning_sites(path: str) -> list[tuple[str, int, int]]:
    """(function, first line, last line) of every ``Problem(...)`` and every warning message in ``path``."""
    sites = []
    for fn in ast.walk(ast.parse(Path(path).read_text())):
        if not isinstance(fn, ast.FunctionDef):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Problem":
                sites.append((fn.name, node.lineno, node.end_lineno or node.lineno))
            if "warnings" not in fn.name:
                continue
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "append":
                message = node.args[0]
                sites.append((fn.name, message.lineno, message.end_lineno or message.lineno))
            elif isinstance(node, ast.ListComp):
                sites.append((fn.name, node.elt.lineno, node.elt.end_lineno or node.elt.lineno))
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.List):
                sites += [(fn.name, e.lineno, e.end_lineno or e.lineno) for e in node.value.elts]
    return sites


UNREACHABLE_FROM_A_STACK_FILE = {("_validate_section", "holds")}
"""Only a Python caller can hand parse a value YAML cannot write (a set, an object)."""


def test_every_error_and_warning_has_an_example() -> None:
    files = {settings.checks.__file__, settings.__file__}
    lines: dict[str, set[int]] = {f: set() for f in files}

    def trace(frame: types.FrameType, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in files:
            return None

        def line(frame: types.FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                lines[frame.f_code.co_filename].add(frame.f_lineno)
            return line

        return line

    sys.settrace(trace)
    try:
        catalogue.outcomes()
    finally:
        sys.settrace(None)
    missing = []
    for path in files:
        source = Path(path).read_text().splitlines()
        for function, first, last in _problem_and_warning_sites(path):
            if any(first <= n <= last for n in lines[path]):
                continue
            if any(function == f and word in source[first - 1] for f, word in UNREACHABLE_FROM_A_STACK_FILE):
                continue
            missing.append(f"{Path(path).name}:{first} in {function}")
    assert missing == [], "add an example to tools/config_docs/examples.py that reaches each of these"


def test_every_example_says_something_and_ids_are_unique() -> None:
    silent = [o.example.id for o in catalogue.outcomes() if not o.errors and not o.warnings]
    assert silent == []
    ids = [e.id for e in EXAMPLES]
    assert len(ids) == len(set(ids))


def test_the_catalogue_shows_the_real_message() -> None:
    (result,) = catalogue.outcomes([e for e in EXAMPLES if e.id == "did-you-mean"])
    assert result.errors[0].startswith("ecs.services[web].desiredCont: unknown key; did you mean `desiredCount`?")
    assert "did you mean `desiredCount`?" in ERRORS.read_text()


# ------------------------------------------------------------------------------ schema


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = stack_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def stack_document(name: str, text: str | None = None) -> Any:
    return load_stack_file(text if text is not None else (ROOT / f"Pulumi.{name}.yaml").read_text())


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_committed_stack_files_match_the_schema_and_name_it(name: str, validator: jsonschema.Draft7Validator) -> None:
    text = (ROOT / f"Pulumi.{name}.yaml").read_text()
    assert text.splitlines()[0] == MODELINE
    assert [e.message for e in validator.iter_errors(stack_document(name))] == []


def errors_at(validator: jsonschema.Draft7Validator, document: Any) -> list[tuple[str, str]]:
    return [("/".join(str(p) for p in e.absolute_path), e.message) for e in validator.iter_errors(document)]


def test_schema_rejects_an_unknown_key(validator: jsonschema.Draft7Validator) -> None:
    document = stack_document("dev")
    document["config"]["container-platform:ecs"]["services"][0]["desiredCont"] = 2
    document["config"]["container-platform:netwrok"] = {}
    assert sorted(errors_at(validator, document)) == [
        (
            "config",
            "'container-platform:netwrok' does not match any of the regexes: '^(?!container-platform:)[A-Za-z0-9_.-]+:.+$'",
        ),
        (
            "config/container-platform:ecs/services/0",
            "Additional properties are not allowed ('desiredCont' was unexpected)",
        ),
    ]


def test_schema_rejects_an_unquoted_version(validator: jsonschema.Draft7Validator) -> None:
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    assert 'version: "1.35"' in text
    document = stack_document("dev", text.replace('version: "1.35"', "version: 1.35"))
    assert errors_at(validator, document) == [("config/container-platform:eks/version", "1.35 is not of type 'string'")]


def test_schema_accepts_other_namespaces_but_no_secure_value_of_ours(validator: jsonschema.Draft7Validator) -> None:
    document = stack_document("dev")
    document["config"]["aws:profile"] = "platform"
    document["config"]["aws:secretKey"] = {"secure": "v1:abc"}
    assert errors_at(validator, document) == []
    document["config"]["container-platform:accountId"] = {"secure": "v1:abc"}
    assert [path for path, _ in errors_at(validator, document)] == ["config/container-platform:accountId"]
