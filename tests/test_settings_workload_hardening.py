"""Settings of issue 17, items 5-8: declared egress, the container user and its root reason, access logs."""

from __future__ import annotations

from typing import Any

import pytest

from settings import ConfigError
from tests.conftest import parse_config, set_path

REASON = "the vendor image drops privileges itself after it starts"
DB = {"name": "db", "description": "Orders database", "port": 5432, "cidrs": ["10.30.0.0/16"]}


def problems(config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(config)
    return [str(p) for p in caught.value.problems]


def test_access_logs_default_to_prod_only(dev_config: dict[str, Any], prod_config: dict[str, Any]) -> None:
    assert parse_config(dev_config).access_logs is False
    assert parse_config(prod_config).access_logs is True
    assert parse_config(set_path(prod_config, "ecs.accessLogs", {"enabled": False})).access_logs is False
    assert parse_config(set_path(dev_config, "ecs.accessLogs", {"enabled": True})).access_logs is True


def test_access_log_retention_is_bounded(dev_config: dict[str, Any]) -> None:
    [line] = problems(set_path(dev_config, "ecs.accessLogs", {"retentionDays": 0}))
    assert line.startswith("ecs.accessLogs.retentionDays:")


def test_a_user_is_numeric_uid_and_gid(dev_config: dict[str, Any]) -> None:
    assert parse_config(set_path(dev_config, "ecs.services[worker].user", "10001:10001")).config.ecs
    for bad in ("app", "1000", "01000:1000", "-1:0"):
        [line] = problems(set_path(dev_config, "ecs.services[worker].user", bad))
        assert line.startswith("ecs.services[worker].user:"), line
        assert "UID:GID" in line, line
    [line] = problems(set_path(dev_config, "ecs.services[worker].user", "4294967295:0"))
    assert line == "ecs.services[worker].user: '4294967295:0': ids go up to 4294967294"


def test_root_needs_a_reason_and_a_reason_needs_root(dev_config: dict[str, Any]) -> None:
    root = set_path(dev_config, "ecs.services[worker].user", "0:0")
    [line] = problems(root)
    assert line.startswith("ecs.services[worker].runAsRootReason: required with user")
    assert "ecs-non-root-user" in line
    assert parse_config(set_path(root, "ecs.services[worker].runAsRootReason", REASON))
    # A root group with a non-root user is not root.
    assert parse_config(set_path(dev_config, "ecs.services[worker].user", "10001:0"))
    for config in (
        set_path(dev_config, "ecs.services[worker].runAsRootReason", REASON),
        set_path(
            set_path(dev_config, "ecs.services[worker].user", "10001:10001"),
            "ecs.services[worker].runAsRootReason",
            REASON,
        ),
    ):
        [line] = problems(config)
        assert line.startswith("ecs.services[worker].runAsRootReason: applies only with user")


def test_declared_egress_is_validated_with_its_path(dev_config: dict[str, Any]) -> None:
    entries = [
        DB,
        {**DB, "name": "db"},
        {"name": "nowhere", "description": "No destination", "port": 80},
        {"name": "bad-cidr", "description": "Typo", "port": 80, "cidrs": ["10.0.0.1/16"]},
        {"name": "backwards", "description": "Range", "port": 9000, "toPort": 8000, "cidrs": ["10.0.0.0/8"]},
        {"name": "wide", "description": "Range out", "port": 8000, "toPort": 8100, "cidrs": ["::/0"]},
    ]
    lines = problems(set_path(dev_config, "ecs.services[worker].egress", entries))
    assert lines == [
        "ecs.services[worker].egress: egress rule 'db' appears more than once; names must be unique",
        "ecs.services[worker].egress[nowhere]: needs a destination: cidrs or prefixListIds",
        "ecs.services[worker].egress[bad-cidr].cidrs[0]: '10.0.0.1/16' is not a network address such as 10.30.0.0/16",
        "ecs.services[worker].egress[backwards].toPort: 8000 must not be below port (9000)",
        "ecs.services[worker].egress[wide].toPort: a range to the whole internet (0.0.0.0/0 or ::/0) is refused "
        "(guardrail sg-no-open-egress); open single ports, or name narrower networks",
    ]


def test_egress_keys_are_typed(dev_config: dict[str, Any]) -> None:
    entry = {**DB, "protocol": "icmp", "port": 0, "prefixListIds": ["s3"], "description": "tab\there"}
    lines = problems(set_path(dev_config, "eks.nodeEgress", [entry]))
    assert sorted(line.split(":", 1)[0] for line in lines) == [
        "eks.nodeEgress[db].description",
        "eks.nodeEgress[db].port",
        "eks.nodeEgress[db].prefixListIds[0]",
        "eks.nodeEgress[db].protocol",
    ]


def test_node_egress_names_are_unique(dev_config: dict[str, Any]) -> None:
    [line] = problems(set_path(dev_config, "eks.nodeEgress", [DB, DB]))
    assert line == "eks.nodeEgress: egress rule 'db' appears more than once; names must be unique"
