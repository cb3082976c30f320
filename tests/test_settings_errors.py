"""Errors that help: the closest key for a typo, list items by name, YAML values read as the CLI reads them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from offline_plan.__main__ import main as plan_main
from offline_plan.recorder import ROOT, engine_config, stack_config
from settings import ConfigError
from settings.errors import closest_key, name_items
from tests.conftest import parse_config, set_path


def problems(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("desiredCont", "desiredCount"),
        ("desired_count", "desiredCount"),
        ("DesiredCount", "desiredCount"),
        ("healthcheck", "healthCheck"),
        ("listenerPort", None),
        ("x", None),
    ],
)
def test_the_closest_key_is_suggested_only_when_close(typed: str, meant: str | None) -> None:
    keys = ["name", "image", "cpu", "memory", "port", "desiredCount", "loadBalancer", "healthCheck"]
    assert closest_key(typed, keys) == meant


def test_an_unknown_nested_key_names_the_key_it_resembles(dev_config: dict[str, Any]) -> None:
    (line,) = problems(set_path(dev_config, "ecs.services[0].desiredCont", 3))
    assert line.startswith(
        "ecs.services[web].desiredCont: unknown key; did you mean `desiredCount`? expected one of name,"
    )


def test_an_unknown_section_names_the_section_it_resembles(dev_config: dict[str, Any]) -> None:
    dev_config["container-platform:netwrok"] = {}
    (line,) = problems(dev_config)
    assert "unknown key; did you mean `container-platform:network`?" in line


def test_error_paths_name_list_items_by_their_name(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "ecs.services[1].cpu", "big")  # pass 1: pydantic
    assert problems(config) == ["ecs.services[worker].cpu: Input should be a valid integer (got 'big')"]
    config = set_path(dev_config, "eks.nodeGroups[1].minSize", 9)  # pass 2: settings.checks
    assert problems(config) == ["eks.nodeGroups[spot].minSize: 9 must not exceed maxSize (6)"]


def test_items_without_a_usable_name_keep_their_index(dev_config: dict[str, Any]) -> None:
    steps = "ecs.services[1].autoscaling.stepScaling.scaleOut.steps[0].change"
    assert problems(set_path(dev_config, steps, -1)) == [
        "ecs.services[worker].autoscaling.stepScaling.scaleOut.steps[0].change: -1: scale-out steps add tasks; "
        "expected a positive number"
    ]
    values = {"ecs": {"services": [{"name": "a"}, {"name": "a"}, {"image": "x"}, {"name": "7"}]}}
    assert [name_items(f"ecs.services[{i}].cpu", values) for i in range(4)] == [
        "ecs.services[0].cpu",  # two items share the name
        "ecs.services[1].cpu",
        "ecs.services[2].cpu",  # no name
        "ecs.services[3].cpu",  # a name that reads like an index
    ]
    assert name_items("ecs.services[9].cpu", values) == "ecs.services[9].cpu"


def test_a_number_where_a_string_belongs_says_to_quote_it(dev_config: dict[str, Any]) -> None:
    config = set_path(dev_config, "ecs.services[0].environment.RETRIES", 3)
    config = set_path(config, "ecs.services[0].environment.DEBUG", True)
    assert problems(config) == [
        "ecs.services[web].environment.RETRIES: Input should be a valid string; YAML read it as a number: quote it (got 3)",
        "ecs.services[web].environment.DEBUG: Input should be a valid string; YAML read it as a boolean: quote it (got True)",
    ]


# ------------------------------------------------- the path `make plan` takes from a stack file


ANYWHERE = "  container-platform:ecs:\n    anywhere:\n      registrationLimit: 2\n      expirationDate: {date}\n"


def edited_stack_file(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    assert text.count(old) == 1
    path = tmp_path / "Pulumi.edited.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_an_unquoted_date_is_read_as_the_text_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = date.today() + timedelta(days=10)
    # Unquoted, as the README's ECS Anywhere example wrote it: YAML 1.1 makes it a date object.
    path = edited_stack_file(tmp_path, "  container-platform:ecs:\n", ANYWHERE.format(date=day.isoformat()))
    assert stack_config("dev", path=path)["container-platform:ecs"]["anywhere"]["expirationDate"] == day.isoformat()
    assert plan_main(["--stack", "dev", "--stack-file", str(path), "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    plan = (tmp_path / "plan-dev.json").read_text()
    assert f'"expirationDate": "{day.isoformat()}T23:59:59Z"' in plan


def test_an_unquoted_date_out_of_range_is_a_settings_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = date.today() + timedelta(days=90)
    path = edited_stack_file(tmp_path, "  container-platform:ecs:\n", ANYWHERE.format(date=day.isoformat()))
    assert plan_main(["--stack", "dev", "--stack-file", str(path), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"ecs.anywhere.expirationDate: {day} is more than 30 days ahead" in err
    assert "Traceback" not in err


def test_an_unquoted_version_is_a_settings_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = edited_stack_file(tmp_path, 'version: "1.35"', "version: 1.35")
    assert plan_main(["--stack", "dev", "--stack-file", str(path), "--out", str(tmp_path)]) == 1
    assert 'eks.version: write the version as a string, e.g. "1.35"' in capsys.readouterr().err


def test_a_date_object_from_another_yaml_reader_is_encoded_as_text() -> None:
    # tools/preflight.py reads stack files with PyYAML's own loader; its dates must not crash the encoding.
    encoded, _ = engine_config({"container-platform:ecs": {"anywhere": {"expirationDate": date(2026, 12, 31)}}})
    assert encoded["container-platform:ecs"] == '{"anywhere": {"expirationDate": "2026-12-31"}}'
