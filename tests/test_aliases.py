"""Aliases reach the recorded plan, and ``make diff`` pairs an aliased rename or move as the engine does."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from offline_plan.aliases import alias_urns, is_provider_type_alias
from offline_plan.diff import diff_plans
from offline_plan.recorder import Plan, record


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, type_: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(type_, name, None, opts)
        aws.s3.Bucket(f"{name}-bucket", opts=pulumi.ResourceOptions(parent=self))


def build(bucket: str, aliases: list[pulumi.Alias] | None = None, box_type: str = "test:old:Box") -> dict[str, Any]:
    def program() -> None:
        provider = aws.Provider("aws-eu-west-1", region="eu-west-1")
        aws.s3.Bucket(bucket, opts=pulumi.ResourceOptions(provider=provider, aliases=aliases))
        aws.lb.TargetGroup("tg", port=80, protocol="HTTP", opts=pulumi.ResourceOptions(provider=provider))
        box_aliases = [pulumi.Alias(type_="test:old:Box")] if box_type != "test:old:Box" else None
        Box("box", box_type, pulumi.ResourceOptions(provider=provider, aliases=box_aliases))

    plan: Plan = record(program)
    return plan.to_json()


def named(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in plan["resources"] if r["name"] == name)


def test_the_programs_aliases_are_recorded_and_the_providers_own_are_not() -> None:
    plan = build("logs", [pulumi.Alias(name="old-logs")])
    assert named(plan, "logs")["options"]["aliases"] == ['{"name":"old-logs","parentUrn":""}']
    # pulumi-aws aliases every aws:lb/* resource to aws:elasticloadbalancingv2/*; that is not ours.
    assert named(plan, "tg")["options"]["aliases"] == []
    assert is_provider_type_alias('{"parentUrn":"","type":"aws:elasticloadbalancingv2/targetGroup:TargetGroup"}')


def test_a_rename_with_an_alias_is_an_update_not_a_replacement() -> None:
    base, head = build("old-logs"), build("logs", [pulumi.Alias(name="old-logs")])
    assert named(base, "old-logs")["urn"] in alias_urns(
        named(head, "logs")["urn"], {r["urn"]: r for r in head["resources"]}
    )
    diff = diff_plans(base, head)
    assert [(r.kind, r.name) for r in diff.resources if r.kind != "update"] == []


def test_a_rename_without_an_alias_is_a_removal_and_an_addition() -> None:
    diff = diff_plans(build("old-logs"), build("logs"))
    assert sorted((r.kind, r.name) for r in diff.resources) == [("add", "logs"), ("remove", "old-logs")]


def test_a_component_type_alias_carries_its_children() -> None:
    """Changing a component's type token moves every child's URN; the parent's alias covers them."""
    diff = diff_plans(build("logs"), build("logs", box_type="test:new:Box"))
    assert [(r.kind, r.name) for r in diff.resources if r.kind in ("add", "remove", "replace")] == []
