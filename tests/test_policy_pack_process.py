"""The policy pack as the Pulumi engine meets it: ``policy/__main__.py`` in its own process, over gRPC.

This is the path ``pulumi preview --policy-pack policy`` takes (the CLI starts the pack, reads its
port, calls Analyze per resource and AnalyzeStack once). Numbers arrive as doubles and nested
values as protobuf Structs, which the offline evaluator has to match.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from offline_plan.recorder import Plan
from policy.guardrails.offline import UNKNOWN_MARK, evaluate
from policy.guardrails.pack import EXCEPTIONS_POLICY, PACK_NAME
from policy.guardrails.rules import RULES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    process = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=ROOT / "policy", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().decode().strip()
        assert port.isdigit(), process.stderr.read().decode() if process.stderr else port
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=20)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        process.kill()
        process.wait(timeout=10)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update({k: v for k, v in values.items() if v is not None and v != UNKNOWN_MARK})
    return out


def _level(diagnostic: Any) -> str:
    return analyzer_pb2.EnforcementLevel.Name(diagnostic.enforcementLevel).lower()


def test_the_pack_process_registers_every_policy(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    names = [p.name for p in info.policies]
    assert names[: len(RULES)] == [r.id for r in RULES]
    by_name = {p.name: p for p in info.policies}
    assert analyzer_pb2.EnforcementLevel.Name(by_name["ecs-no-privileged"].enforcementLevel) == "MANDATORY"
    assert analyzer_pb2.EnforcementLevel.Name(by_name[EXCEPTIONS_POLICY].enforcementLevel) == "ADVISORY"


def test_a_violation_reaches_the_engine_with_whole_numbers(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:lb/listener:Listener",
        properties=_struct({"protocol": "HTTP", "port": 80, "defaultActions": [{"type": "forward"}]}),
        urn="urn:pulumi:dev::container-platform::aws:lb/listener:Listener::web-http",
        name="web-http",
    )
    (diagnostic,) = analyzer.Analyze(request).diagnostics
    assert diagnostic.policyName == "elb-https-listeners"
    assert _level(diagnostic) == "mandatory"
    assert diagnostic.message.endswith("HTTP listener on port 80 serves traffic instead of redirecting to HTTPS")


def test_a_root_posix_user_arriving_as_a_double_is_caught(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type="aws:efs/accessPoint:AccessPoint",
        properties=_struct({"posixUser": {"uid": 0, "gid": 0}, "rootDirectory": {"path": "/web"}}),
        urn="urn:pulumi:dev::container-platform::aws:efs/accessPoint:AccessPoint::ap",
        name="ap",
    )
    assert [d.policyName for d in analyzer.Analyze(request).diagnostics] == ["efs-access-point-posix-user"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_engine_path_and_offline_evaluator_agree_on_the_real_plans(
    stack: str, analyzer: analyzer_pb2_grpc.AnalyzerStub, committed_plans: dict[str, Plan]
) -> None:
    plan = committed_plans[stack].to_json()
    by_urn = {r["urn"]: r for r in plan["resources"]}

    def provider(resource: dict[str, Any]) -> analyzer_pb2.AnalyzerProviderResource | None:
        found = by_urn.get((resource.get("provider") or "").rsplit("::", 1)[0])
        if found is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=found["type"], properties=_struct(found["inputs"]), urn=found["urn"], name=found["name"]
        )

    engine: set[tuple[str, str, str]] = set()
    resources = []
    for r in plan["resources"]:
        props = _struct(r["inputs"])
        request = analyzer_pb2.AnalyzeRequest(
            type=r["type"], properties=props, urn=r["urn"], name=r["name"], provider=provider(r)
        )
        engine |= {(d.policyName, _level(d), r["urn"]) for d in analyzer.Analyze(request).diagnostics}
        resources.append(
            analyzer_pb2.AnalyzerResource(
                type=r["type"],
                properties=props,
                urn=r["urn"],
                name=r["name"],
                provider=provider(r),
                parent=r.get("parent") or "",
                dependencies=r.get("dependencies") or [],
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                    for k, v in (r.get("propertyDependencies") or {}).items()
                },
            )
        )
    stack_diagnostics = analyzer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources)).diagnostics
    engine |= {(d.policyName, _level(d), d.urn) for d in stack_diagnostics}

    offline = evaluate(plan)
    assert engine == {(v.policy, v.level, v.urn) for v in offline.violations}
    assert not any(level == "mandatory" for _, level, _ in engine)
