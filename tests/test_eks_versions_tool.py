"""tools.eks_versions against stubbed botocore clients (no network, no account) and the pure SSM names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from settings.eks_versions import (
    ADDON_NAMES,
    ami_image_id_parameter,
    recommended_release_version_parameter,
    release_version_pattern,
)
from tools import eks_versions as tool

K8S = "1.35"
RECOMMENDED = "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/recommended/release_version"


_SESSION = botocore.session.get_session()
"""One session for every test: it caches the service models, which take most of a client's creation time."""


def _client(service: str, region: str) -> Any:
    return _SESSION.create_client(
        service, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _version(version: str, *, clusters: tuple[str, ...] = (K8S,), default: bool = False) -> dict[str, Any]:
    return {
        "addonVersion": version,
        "architecture": ["amd64", "arm64"],
        "compatibilities": [
            {"clusterVersion": c, "platformVersions": ["*"], "defaultVersion": default and c == K8S} for c in clusters
        ],
        "requiresConfiguration": False,
    }


def _page(addon: str, *versions: dict[str, Any], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"addons": [{"addonName": addon, "type": "networking", "addonVersions": list(versions)}]}
    if next_token:
        page["nextToken"] = next_token
    return page


def _parameter(name: str, value: str) -> dict[str, Any]:
    return {"Parameter": {"Name": name, "Type": "String", "Value": value, "Version": 1, "DataType": "text"}}


class Stubs:
    """One stubbed eks and ssm client per region, handed to tool.main as its client factory."""

    def __init__(self, *regions: str) -> None:
        self.clients = {(s, r): _client(s, r) for s in ("eks", "ssm") for r in regions}
        self.stubbers = {key: Stubber(client) for key, client in self.clients.items()}

    def addon(self, region: str, addon: str, *pages: dict[str, Any]) -> None:
        stubber = self.stubbers["eks", region]
        token: str | None = None
        for page in pages:
            expected = {"kubernetesVersion": K8S, "addonName": addon}
            if token:
                expected["nextToken"] = token
            stubber.add_response("describe_addon_versions", page, expected)
            token = page.get("nextToken")

    def ami(self, region: str, recommended: str, release: str | None = None, image_id: str | None = "ami-0abc") -> None:
        stubber = self.stubbers["ssm", region]
        stubber.add_response("get_parameter", _parameter(RECOMMENDED, recommended), {"Name": RECOMMENDED})
        name = ami_image_id_parameter(K8S, release or recommended)
        if image_id is None:
            stubber.add_client_error("get_parameter", "ParameterNotFound", expected_params={"Name": name})
        else:
            stubber.add_response("get_parameter", _parameter(name, image_id), {"Name": name})

    def factory(self, service: str, region: str) -> Any:
        return self.clients[service, region]

    @contextmanager
    def active(self) -> Iterator[None]:
        for stubber in self.stubbers.values():
            stubber.activate()
        yield
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()
            stubber.deactivate()


# ---------------------------------------------------------------- add-ons


def test_newest_compatible_version_is_chosen_numerically_and_the_default_is_marked() -> None:
    stubs = Stubs("us-east-1")
    stubs.addon(
        "us-east-1",
        "vpc-cni",
        _page(
            "vpc-cni",
            _version("v1.20.9-eksbuild.12"),
            _version("v1.19.0-eksbuild.1", default=True),
            _version("v1.20.10-eksbuild.2"),  # newest: 10 > 9 numerically, although "10" < "9" as text
            _version("v1.21.0-eksbuild.1", clusters=("1.36",)),  # newer, but not compatible with 1.35
        ),
    )
    with stubs.active():
        choice = tool.choose_addon({"us-east-1": stubs.clients["eks", "us-east-1"]}, K8S, "vpc-cni")
    assert choice.version == "v1.20.10-eksbuild.2"
    assert choice.defaults == {"us-east-1": "v1.19.0-eksbuild.1"}


def test_every_page_is_read() -> None:
    stubs = Stubs("us-east-1")
    stubs.addon(
        "us-east-1",
        "coredns",
        _page("coredns", _version("v1.12.1-eksbuild.2", default=True), next_token="page-2"),
        _page("coredns", _version("v1.12.4-eksbuild.1"), next_token="page-3"),
        _page("coredns", _version("v1.13.2-eksbuild.4")),  # the newest, on the last page
    )
    with stubs.active():
        choice = tool.choose_addon({"us-east-1": stubs.clients["eks", "us-east-1"]}, K8S, "coredns")
    assert choice.version == "v1.13.2-eksbuild.4"
    assert choice.defaults == {"us-east-1": "v1.12.1-eksbuild.2"}


def test_only_a_version_available_in_every_region_is_offered() -> None:
    stubs = Stubs("us-east-1", "eu-west-1")
    stubs.addon(
        "us-east-1", "kube-proxy", _page("kube-proxy", _version("v1.35.3-eksbuild.29"), _version("v1.35.3-eksbuild.21"))
    )
    stubs.addon(
        "eu-west-1", "kube-proxy", _page("kube-proxy", _version("v1.35.3-eksbuild.21"), _version("v1.35.0-eksbuild.2"))
    )
    eks = {r: stubs.clients["eks", r] for r in ("us-east-1", "eu-west-1")}
    with stubs.active():
        choice = tool.choose_addon(eks, K8S, "kube-proxy")
    assert choice.version == "v1.35.3-eksbuild.21"


def test_an_add_on_missing_in_one_region_has_no_common_version() -> None:
    stubs = Stubs("us-east-1", "eu-west-1")
    stubs.addon(
        "us-east-1", "netapp_trident-operator", _page("netapp_trident-operator", _version("v25.6.0-eksbuild.1"))
    )
    stubs.addon("eu-west-1", "netapp_trident-operator", {"addons": []})
    eks = {r: stubs.clients["eks", r] for r in ("us-east-1", "eu-west-1")}
    with stubs.active():
        choice = tool.choose_addon(eks, K8S, "netapp_trident-operator")
    assert choice.version is None
    assert choice.missing == ("eu-west-1",)


# ---------------------------------------------------------------- AMI


def test_ami_release_is_the_newest_recommended_in_every_region_and_resolves_per_region() -> None:
    stubs = Stubs("us-east-1", "eu-west-1")
    # eu-west-1 has not got the 0930 release yet; it still has 0911, and so does us-east-1.
    stubs.ami("us-east-1", "1.35.8-20260930", release="1.35.7-20260911", image_id="ami-0east")
    stubs.ami("eu-west-1", "1.35.7-20260911", image_id="ami-0west")
    ssm = {r: stubs.clients["ssm", r] for r in ("us-east-1", "eu-west-1")}
    with stubs.active():
        ami = tool.choose_ami(ssm, K8S)
    assert ami.release_version == "1.35.7-20260911"
    assert ami.recommended == {"us-east-1": "1.35.8-20260930", "eu-west-1": "1.35.7-20260911"}
    assert ami.image_ids == {"us-east-1": "ami-0east", "eu-west-1": "ami-0west"}


def test_a_release_without_an_image_id_parameter_is_reported_not_hidden() -> None:
    stubs = Stubs("us-east-1")
    stubs.ami("us-east-1", "1.35.8-20260930", image_id=None)
    with stubs.active():
        ami = tool.choose_ami({"us-east-1": stubs.clients["ssm", "us-east-1"]}, K8S)
    assert ami.image_ids == {"us-east-1": None}


# ---------------------------------------------------------------- the command

STACK = """\
config:
  aws:region: us-east-1
  container-platform:eks:
    version: "1.35"
    regions: [us-east-1, eu-west-1]
    storage: {ebs: false, efs: false, fsxLustre: false, fsxOntap: false}
    containerInsights: false
    versions:
      amiReleaseVersion: "1.35.6-20260714"
      clusterAutoscaler: v1.35.0
      addons:
        vpc-cni: v1.19.0-eksbuild.1
        kube-proxy: v1.35.3-eksbuild.21
"""
BASE = ("vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent")


def _stack_stubs(newest: dict[str, str]) -> Stubs:
    stubs = Stubs("us-east-1", "eu-west-1")
    for region in ("us-east-1", "eu-west-1"):
        stubs.ami(region, "1.35.8-20260930", image_id=f"ami-0{region[:2]}")
        for addon in BASE:
            stubs.addon(
                region, addon, _page(addon, _version(newest[addon]), _version("v1.0.0-eksbuild.1", default=True))
            )
    return stubs


NEWEST = {
    "vpc-cni": "v1.20.4-eksbuild.1",
    "kube-proxy": "v1.35.3-eksbuild.21",
    "coredns": "v1.13.2-eksbuild.4",
    "eks-pod-identity-agent": "v1.3.10-eksbuild.3",
}


def _run(tmp_path: Path, stack: str, stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    (tmp_path / "Pulumi.test.yaml").write_text(stack)
    with stubs.active():
        code = tool.main(["--stack", "test", "--project-dir", str(tmp_path)], client_factory=stubs.factory)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_printed_block_is_yaml_that_pastes_under_the_eks_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(tmp_path, STACK, _stack_stubs(NEWEST), capsys)
    assert code == 0, err
    block = out.split("\n\n", 1)[0] + "\n"
    pasted = yaml.safe_load("config:\n  container-platform:eks:\n    version: '1.35'\n" + block)
    assert pasted["config"]["container-platform:eks"]["versions"] == {
        "amiReleaseVersion": "1.35.8-20260930",
        "clusterAutoscaler": "v1.35.0",
        "addons": NEWEST,
    }
    assert '      amiReleaseVersion: "1.35.8-20260930"  # AMI us-east-1 ami-0us, eu-west-1 ami-0eu\n' in block
    assert '        vpc-cni: "v1.20.4-eksbuild.1"  # AWS default: v1.0.0-eksbuild.1\n' in block
    assert "clusterAutoscaler: no AWS API; the Cluster Autoscaler minor must equal the Kubernetes minor (1.35)" in out


def test_one_line_per_pin_that_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(tmp_path, STACK, _stack_stubs(NEWEST), capsys)
    assert code == 0
    changes = out.split("pins that would change in Pulumi.test.yaml:\n", 1)[1].splitlines()
    assert changes == [
        "amiReleaseVersion: 1.35.6-20260714 -> 1.35.8-20260930",
        "vpc-cni: v1.19.0-eksbuild.1 -> v1.20.4-eksbuild.1",
        # kube-proxy is already at the newest: no line
        "coredns: (not pinned) -> v1.13.2-eksbuild.4",
        "eks-pod-identity-agent: (not pinned) -> v1.3.10-eksbuild.3",
    ]


def test_a_cluster_autoscaler_of_another_minor_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(tmp_path, STACK.replace("v1.35.0", "v1.34.2"), _stack_stubs(NEWEST), capsys)
    assert code == 0
    assert 'clusterAutoscaler: "v1.34.2"  # WRONG:' in out
    assert (
        "warning: clusterAutoscaler v1.34.2 is for Kubernetes 1.34: its minor must equal the Kubernetes minor (1.35)"
        in err
    )


def test_access_denied_is_one_clear_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stubs = Stubs("us-east-1", "eu-west-1")
    stubs.stubbers["ssm", "us-east-1"].add_client_error(
        "get_parameter",
        "AccessDeniedException",
        "User: arn:aws:sts::123456789012:assumed-role/dev/x is not authorized to perform: ssm:GetParameter",
        http_status_code=400,
    )
    (tmp_path / "Pulumi.test.yaml").write_text(STACK)
    with stubs.active():
        code = tool.main(["--stack", "test", "--project-dir", str(tmp_path)], client_factory=stubs.factory)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("error: access denied in us-east-1 for ssm:GetParameter ")
    assert "(AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/dev/x is not authorized" in err
    assert err.rstrip().endswith("this command needs eks:DescribeAddonVersions and ssm:GetParameter")


def test_no_credentials_is_one_clear_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class NoCredentials:
        def get_parameter(self, **_: Any) -> Any:
            raise NoCredentialsError()

    code = tool.main(["--kubernetes-version", K8S, "--region", "us-east-1"], client_factory=lambda *_: NoCredentials())
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: no AWS credentials found") and err.count("\n") == 1


def test_without_a_stack_every_add_on_is_looked_up(capsys: pytest.CaptureFixture[str]) -> None:
    stubs = Stubs("us-east-1")
    stubs.ami("us-east-1", "1.35.8-20260930")
    for addon in ADDON_NAMES:
        stubs.addon("us-east-1", addon, _page(addon, _version("v1.2.3-eksbuild.1")))
    with stubs.active():
        code = tool.main(["--kubernetes-version", K8S, "--region", "us-east-1"], client_factory=stubs.factory)
    out, _ = capsys.readouterr()
    assert code == 0
    versions = yaml.safe_load(out.split("\n\n", 1)[0])["versions"]
    assert list(versions["addons"]) == list(ADDON_NAMES)
    assert "clusterAutoscaler" not in versions  # no pin to keep: only a comment with the rule
    assert "no --stack given: no pins to compare" in out


@pytest.mark.parametrize(
    ("stack", "addons"),
    [
        ("dev", (*BASE, "aws-ebs-csi-driver", "aws-efs-csi-driver", "amazon-cloudwatch-observability")),
        (
            "prod",
            (
                *BASE,
                "aws-ebs-csi-driver",
                "aws-efs-csi-driver",
                "aws-fsx-csi-driver",
                "amazon-cloudwatch-observability",
            ),
        ),
    ],
)
def test_the_real_stacks_read(stack: str, addons: tuple[str, ...]) -> None:
    target = tool.load_stack(tool.ROOT / f"Pulumi.{stack}.yaml")
    assert target.kubernetes_version == K8S
    assert target.regions == {"dev": ("us-east-1",), "prod": ("us-east-1", "eu-west-1")}[stack]
    assert target.addons == addons


def test_installed_add_ons_follow_the_flags_and_their_defaults() -> None:
    assert tool.installed_addons({}) == (*BASE, "aws-ebs-csi-driver", "amazon-cloudwatch-observability")
    everything = {"storage": {"efs": True, "fsxLustre": True, "fsxOntap": True}}
    assert tool.installed_addons(everything) == ADDON_NAMES
    nothing = {"storage": {"ebs": False}, "containerInsights": False}
    assert tool.installed_addons(nothing) == BASE
    # An add-on that is pinned stays in the lookup even when its flag is off.
    pinned = {**nothing, "versions": {"addons": {"aws-efs-csi-driver": "v2.1.13-eksbuild.1"}}}
    assert tool.installed_addons(pinned) == (*BASE, "aws-efs-csi-driver")


# ---------------------------------------------------------------- pure SSM names


def test_image_id_parameter_of_one_release() -> None:
    assert (
        ami_image_id_parameter("1.35", "1.35.8-20260930")
        == "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/"
        "amazon-eks-node-al2023-x86_64-standard-1.35-v20260930/image_id"
    )
    assert (
        ami_image_id_parameter("1.35", "1.35.8-20260930", "arm64")
        == "/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/arm64/standard/"
        "amazon-eks-node-al2023-arm64-standard-1.35-v20260930/image_id"
    )


def test_recommended_release_version_parameter() -> None:
    assert recommended_release_version_parameter("1.35") == RECOMMENDED


@pytest.mark.parametrize(
    ("kubernetes", "release", "architecture", "message"),
    [
        ("1.35", "1.34.7-20260930", "x86_64", "is for Kubernetes 1.34, not 1.35"),
        ("1.35", "v20260930", "x86_64", "must look like 1.35.8-20260930"),
        ("1.35", "1.35.8-2026093", "x86_64", "must look like 1.35.8-20260930"),
        ("1.35", "1.35.8-20260930", "aarch64", "architecture must be one of"),
        ("1.35.8", "1.35.8-20260930", "x86_64", "Kubernetes version must be"),
    ],
)
def test_image_id_parameter_rejects_what_would_name_another_ami(
    kubernetes: str, release: str, architecture: str, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ami_image_id_parameter(kubernetes, release, architecture)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1.35.8-20260930", True),
        ("1.35.0-20260224", True),
        ("1.35-20260930", False),
        ("1.35.8", False),
        ("ami-0abc", False),
    ],
)
def test_release_version_pattern(value: str, ok: bool) -> None:
    assert (re.fullmatch(release_version_pattern, value) is not None) is ok
