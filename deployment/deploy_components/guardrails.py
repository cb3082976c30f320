"""Guardrails: publish the repository's policy pack to Pulumi Cloud and enforce it on the stacks.

A policy group in ``preventative`` mode makes Pulumi Cloud run the pack on every preview and
update of its stacks, including the ones Pulumi Deployments runs on push and on pull requests,
so nobody has to remember ``--policy-pack``. Versions of a published pack are immutable:
``policy/PulumiPolicy.yaml`` ``version`` is the version tag, and a changed pack needs a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pulumi
import pulumi_pulumiservice as ps
import yaml

PACK_NAME = "container-platform-guardrails"
"""The name ``policy/__main__.py`` gives ``PolicyPack`` (a test keeps the two equal)."""

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
"""The policy pack's directory in this repository."""


def pack_version(policy_dir: Path = POLICY_DIR) -> str:
    """The pack's ``version`` from its PulumiPolicy.yaml: the version tag to publish."""
    manifest = yaml.safe_load((policy_dir / "PulumiPolicy.yaml").read_text())
    version = manifest.get("version") if isinstance(manifest, dict) else None
    if not isinstance(version, str) or not version:
        raise ValueError(f"{policy_dir / 'PulumiPolicy.yaml'}: needs a version such as 1.0.0 (the published tag)")
    return version


@dataclass(frozen=True)
class GuardrailsArgs:
    """Inputs of the published pack and the policy group that applies it."""

    organization: str
    """Pulumi organization the pack is published to."""
    project: str
    """Pulumi project of the guarded stacks."""
    stacks: Sequence[str]
    """Stacks the pack applies to."""
    mode: Literal["preventative", "audit"] = "preventative"
    """``preventative`` blocks a preview or update with a mandatory violation; ``audit`` only reports."""
    policy_dir: Path = POLICY_DIR
    """Directory of the pack (PulumiPolicy.yaml); default: this repository's ``policy/``."""


class Guardrails(pulumi.ComponentResource):
    """The policy pack, published from ``policy/``, and a policy group over the platform's stacks."""

    pack: ps.PolicyPack
    """The published pack version."""
    group: ps.PolicyGroup
    """The policy group that enforces it on the stacks."""

    def __init__(self, name: str, args: GuardrailsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:deployment:Guardrails", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        version = pack_version(args.policy_dir)
        self.pack = ps.PolicyPack(
            f"{name}-pack",
            name=PACK_NAME,
            organization=args.organization,
            source_path=str(args.policy_dir),
            version_tag=version,
            opts=child,
        )
        self.group = ps.PolicyGroup(
            f"{name}-group",
            name=f"{args.project}-guardrails",
            organization_name=args.organization,
            entity_type="stacks",
            mode=args.mode,
            stacks=[ps.PolicyGroupStackReferenceArgs(name=s, routing_project=args.project) for s in args.stacks],
            policy_packs=[
                ps.PolicyGroupPolicyPackReferenceInputArgs(name=self.pack.name, version_tag=self.pack.version_tag)
            ],
            opts=child,
        )
        self.register_outputs({"pack_version": self.pack.version_tag})
