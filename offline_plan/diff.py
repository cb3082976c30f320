"""Compare two offline plans: ``python -m offline_plan.diff BASE.json HEAD.json`` prints Markdown.

Both files are ``build/plan-<stack>.json`` as written by ``make plan`` (``Plan.to_json``).
Resources are matched by URN:

- **add**: the URN is only in HEAD; **remove**: only in BASE;
- **replace**: a removed and an added resource with the same type and logical name, that
  is, a resource whose URN moved (a new parent component). Pulumi deletes the old one and
  creates the new one unless an alias links them. Also an update whose changed inputs
  include a property the provider can only change by replacing the resource (a new VPC
  CIDR, a cluster name): ``force_new.json`` lists those properties per resource type, read
  from the ForceNew attributes of the terraform-provider-aws source that pulumi-aws bridges
  (see ``docs/diff.md``). Such an entry says ``replace (forces: `cidrBlock`)``. A property
  in the resource's ``replaceOnChanges`` option forces it too; one in ``ignoreChanges``
  does not;
- **update**: the same URN with different inputs, provider (``(provider)``) or resource
  options (``(options).protect`` and so on), none of them forcing a replacement.
  Dependencies are not compared: they follow from the inputs. An updated ``aws:`` resource
  whose type has no ForceNew data says so: it might be a replacement.

Stateful resources (file systems, keys, registries, clusters, secrets, log groups, load
balancers, the VPC, databases: ``STATEFUL``) that are replaced or removed, and every
protected or deletion-protected resource that is, are listed first, under "Stateful
resources replaced or deleted", with what is lost and what makes ``pulumi up`` fail.

Changed inputs are listed as ``path: old → new`` with nested paths (``tags.environment``,
``rules[0].selection.countNumber``); inputs that carry JSON documents (IAM policies,
container definitions, lifecycle policies) are compared inside the document. Resources
are grouped by component (the name of their top-level ancestor, or their own name when
they have no parent component) and region.

The policy pack runs on both plans (the same policy objects as ``make plan``): new and
gone guardrail findings (mandatory, advisory, exceptions with their reasons) get their own
section, and a change with mandatory violations says so under the summary line.

The command line prints the plan insights first (``offline_plan/insights/report.py``): the monthly
cost delta, the deploy time of the change and the diagram with added and removed components.

Secrets never appear: values the recorder masked stay ``[secret]`` (and the other side of
such a change is hidden too), and a value under a key that looks secret (``password``,
``secret``, ``token``, ``kubeconfig``; or the ``value`` of a ``{name, value}`` pair whose
name looks secret) is shown only as ``(changed)``.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Literal

from offline_plan.aliases import aliased_moves, rekey

# URN -> its top-level component: one walk for the diff and the cost estimate, so a change and its
# cost line are filed under the same component.
from offline_plan.insights.cost import top_components as components
from offline_plan.insights.report import render as insights_report
from policy.guardrails.offline import evaluate

SECRET: Final = "[secret]"
"""How the recorder writes a secret value."""

CHANGED: Final = "(changed)"
"""What is shown instead of a value under a secret-looking key."""

HIDDEN: Final = "(hidden)"
"""What is shown for the plain side of a change whose other side is a secret."""

SECRET_WORDS: Final = frozenset({"password", "passwd", "passphrase", "secret", "secrets", "token", "kubeconfig"})
"""Words of a key (camelCase, snake_case and kebab-case split) that make its value secret."""

Kind = Literal["add", "remove", "replace", "update"]
KINDS: Final[tuple[Kind, ...]] = ("add", "remove", "replace", "update")
KIND_TITLES: Final[dict[Kind, str]] = {"add": "Added", "remove": "Removed", "replace": "Replaced", "update": "Updated"}

FORCE_NEW_FILE: Final = Path(__file__).with_name("force_new.json")
"""Per resource type, the input properties whose change makes the provider replace the resource."""

CHECKED_PREFIXES: Final = ("aws:", "awsx:", "eks:")
"""Types from these packages should have ForceNew data: an update of one without it says so."""

_LOST_ECR = "its images are lost"
_LOST_EKS = (
    "every Kubernetes object, the API endpoint, the OIDC issuer and the certificate authority are recreated; "
    "node groups, add-ons and access entries follow"
)
_LOST_LB = "its DNS name changes, and so does everything pointing at it (DNS records, clients, CloudFront origins)"
_LOST_DB = "its data is lost unless a final snapshot or backup is restored"
STATEFUL: Final[dict[str, str]] = {
    "aws:efs/fileSystem:FileSystem": "EFS file system: its files are lost (backups only if AWS Backup already ran)",
    "aws:fsx/ontapFileSystem:OntapFileSystem": "FSx for NetApp ONTAP file system: every volume and its data is lost",
    "aws:fsx/ontapStorageVirtualMachine:OntapStorageVirtualMachine": "FSx ONTAP storage virtual machine: its volumes are lost",
    "aws:fsx/ontapVolume:OntapVolume": "FSx ONTAP volume: its data is lost",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "FSx for Lustre file system: its data is lost",
    "aws:fsx/openZfsFileSystem:OpenZfsFileSystem": "FSx for OpenZFS file system: its data is lost",
    "aws:fsx/windowsFileSystem:WindowsFileSystem": "FSx for Windows file system: its data is lost",
    "aws:kms/key:Key": (
        "KMS key: once its deletion window ends, everything encrypted under it (images, volumes, secrets, "
        "cluster secrets) cannot be decrypted; a key pending deletion cannot be used at all"
    ),
    "aws:ecr/repository:Repository": f"ECR repository: {_LOST_ECR}",
    "aws:ecrpublic/repository:Repository": f"ECR Public repository: {_LOST_ECR}",
    "eks:index:Cluster": f"EKS cluster: {_LOST_EKS}",
    "aws:eks/cluster:Cluster": f"EKS cluster: {_LOST_EKS}",
    "aws:secretsmanager/secret:Secret": (
        "Secrets Manager secret: its value and versions are lost, and its name stays reserved during the recovery window"
    ),
    "aws:ssm/parameter:Parameter": "SSM parameter: its value and history are lost",
    "aws:cloudwatch/logGroup:LogGroup": "CloudWatch log group: its log events are deleted",
    "aws:lb/loadBalancer:LoadBalancer": f"load balancer: {_LOST_LB}",
    "aws:alb/loadBalancer:LoadBalancer": f"load balancer: {_LOST_LB}",
    "aws:elb/loadBalancer:LoadBalancer": f"classic load balancer: {_LOST_LB}",
    "awsx:ec2:Vpc": (
        "VPC (awsx): the VPC or its subnets are recreated; what runs in them (cluster, nodes, load balancers, "
        "mount targets, NAT gateways) must move, and subnets holding ENIs cannot be deleted (review M6)"
    ),
    "aws:ec2/vpc:Vpc": "VPC: everything in it must move",
    "aws:ec2/subnet:Subnet": "subnet: what runs in it must move; a subnet holding ENIs cannot be deleted",
    "aws:ec2/eip:Eip": "Elastic IP: the public address changes",
    "aws:ebs/volume:Volume": f"EBS volume: {_LOST_DB}",
    "aws:s3/bucket:Bucket": "S3 bucket: its objects are lost (deletion fails while it holds objects unless forceDestroy)",
    "aws:s3/bucketV2:BucketV2": "S3 bucket: its objects are lost (deletion fails while it holds objects unless forceDestroy)",
    "aws:rds/instance:Instance": f"RDS instance: {_LOST_DB}",
    "aws:rds/cluster:Cluster": f"RDS cluster: {_LOST_DB}",
    "aws:docdb/cluster:Cluster": f"DocumentDB cluster: {_LOST_DB}",
    "aws:neptune/cluster:Cluster": f"Neptune cluster: {_LOST_DB}",
    "aws:dynamodb/table:Table": f"DynamoDB table: {_LOST_DB}",
    "aws:elasticache/cluster:Cluster": "ElastiCache cluster: its cached data is lost",
    "aws:elasticache/replicationGroup:ReplicationGroup": "ElastiCache replication group: its data is lost",
    "aws:opensearch/domain:Domain": f"OpenSearch domain: {_LOST_DB}",
    "aws:backup/vault:Vault": "Backup vault: its recovery points are lost (deletion fails while it holds any)",
    "aws:route53/zone:Zone": "Route 53 hosted zone: new name servers, its records are lost",
}
"""Resource types whose replacement or deletion loses data or breaks what depends on them, and what is lost."""


class _Absent:
    """The value on the side of a change where the key or list item does not exist."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()


@dataclass(frozen=True)
class Change:
    """One changed leaf: ``path: old → new``, or only ``path`` when ``masked``.

    ``old`` and ``new`` are already redacted (never a secret value); either may be ``ABSENT``.
    """

    path: str
    old: Any
    new: Any
    masked: bool = False


@dataclass(frozen=True)
class ResourceDiff:
    """One added, removed, replaced or updated resource."""

    kind: Kind
    urn: str
    """HEAD's URN (BASE's for a removed resource)."""
    type: str
    name: str
    component: str
    region: str
    changes: tuple[Change, ...] = ()
    old_urn: str = ""
    """BASE's URN of a resource whose URN moved."""
    forces: tuple[str, ...] = ()
    """The changed input properties that make the provider replace this resource (from ``force_new.json``)."""
    unchecked: bool = False
    """An update of a type without ForceNew data: it might be a replacement."""
    protected: bool = False
    """BASE has ``protect``: Pulumi refuses to replace or delete it."""
    deletion_protected: bool = False
    """BASE sets ``enableDeletionProtection`` / ``deletionProtection``: AWS refuses to delete it."""
    retained: bool = False
    """BASE has ``retainOnDelete``: Pulumi leaves the old resource in the account instead of deleting it."""
    force_delete: bool | None = None
    """An ECR repository's ``forceDelete`` in BASE (deleting one that holds images fails unless it is true)."""

    @property
    def stateful(self) -> bool:
        """Replaced or removed, and either stateful or protected in some way."""
        return self.kind in ("replace", "remove") and (
            self.type in STATEFUL or self.protected or self.deletion_protected
        )


@dataclass(frozen=True)
class PlanDiff:
    """Everything that differs between two plans."""

    project: str
    base_stack: str
    head_stack: str
    resources: tuple[ResourceDiff, ...] = ()
    unchanged: int = 0
    exports: tuple[Change, ...] = ()
    warnings_added: tuple[str, ...] = ()
    warnings_removed: tuple[str, ...] = ()
    guardrails_added: tuple[str, ...] = ()
    """Policy-pack findings (mandatory, advisory, exceptions) HEAD has and BASE had not."""
    guardrails_removed: tuple[str, ...] = ()
    """Findings BASE had that HEAD no longer has."""
    mandatory_in_head: int = 0
    """Mandatory violations in HEAD, new or not: any of them fails ``make test``."""

    def of_kind(self, kind: Kind) -> list[ResourceDiff]:
        """The resource diffs of one kind."""
        return [r for r in self.resources if r.kind == kind]

    @property
    def stateful(self) -> list[ResourceDiff]:
        """Stateful, protected or deletion-protected resources that are replaced or removed."""
        return [r for r in self.resources if r.stateful]

    @property
    def empty(self) -> bool:
        """True when the plans register the same resources with the same inputs and export the same outputs."""
        return not (
            self.resources
            or self.exports
            or self.warnings_added
            or self.warnings_removed
            or self.guardrails_added
            or self.guardrails_removed
        )

    def summary(self) -> str:
        """``N to add, N to remove, N to replace, N to update, N unchanged``."""
        counts = {kind: len(self.of_kind(kind)) for kind in KINDS}
        return (
            f"{counts['add']} to add, {counts['remove']} to remove, {counts['replace']} to replace, "
            f"{counts['update']} to update, {self.unchanged} unchanged"
        )


# --- secrets --------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def is_secret_key(key: str) -> bool:
    """Whether a value under ``key`` must not be shown (``dbPassword``, ``API_TOKEN``, ``kubeconfig``).

    ``httpTokens`` (an instance metadata option) is not a secret: ``tokens`` is not a secret word.
    """
    return any(word.lower() in SECRET_WORDS for word in _WORD.findall(key))


def _secret_child(container: Mapping[str, Any], key: str) -> bool:
    """Whether ``container[key]`` is secret: a secret-looking key, or the value of a secret-named pair."""
    if is_secret_key(key):
        return True
    if key.lower() in {"value", "valuefrom"}:
        label = container.get("name", container.get("Name", container.get("key", container.get("Key"))))
        return isinstance(label, str) and is_secret_key(label)
    return False


def _json_document(value: Any) -> Any:
    """The parsed object or array when ``value`` is a JSON document in a string, else ``None``."""
    if not isinstance(value, str) or not value.lstrip().startswith(("{", "[")):
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict | list) else None


def redact(value: Any, secret: bool = False) -> Any:
    """``value`` with every secret-looking part replaced: ``[secret]`` stays, the rest becomes ``(changed)``."""
    if value is ABSENT or value == SECRET:
        return value
    if secret:
        return CHANGED
    if isinstance(value, Mapping):
        return {str(k): redact(v, _secret_child(value, str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    document = _json_document(value)
    if document is not None:
        return json.dumps(redact(document), separators=(",", ":"))
    return value


# --- diffing ---------------------------------------------------------------------------------

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _join(path: str, key: str | int) -> str:
    """``tags.environment``, ``rules[0]``, ``tags["kubernetes.io/role/elb"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _leaf(path: str, old: Any, new: Any, secret: bool) -> Change:
    if secret:
        return Change(path, ABSENT if old is ABSENT else CHANGED, ABSENT if new is ABSENT else CHANGED, masked=True)
    old, new = redact(old), redact(new)
    # A value turning into a secret (or back) must not show its plain side either.
    if old == SECRET and new is not ABSENT:
        new = HIDDEN
    elif new == SECRET and old is not ABSENT:
        old = HIDDEN
    return Change(path, old, new)


def diff_values(old: Any, new: Any, path: str = "", secret: bool = False) -> list[Change]:
    """The changed leaves between two JSON values, in document order.

    Objects are compared key by key, arrays index by index, and strings that both hold a
    JSON object or array are compared as documents. ``secret`` masks everything below.
    """
    if old == new:
        return []
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        changes: list[Change] = []
        keys = list(old) + [k for k in new if k not in old]
        for key in keys:
            child_secret = secret or _secret_child(old, str(key)) or _secret_child(new, str(key))
            changes += diff_values(old.get(key, ABSENT), new.get(key, ABSENT), _join(path, str(key)), child_secret)
        return changes
    if isinstance(old, list) and isinstance(new, list):
        return _diff_lists(old, new, path, secret)
    old_doc, new_doc = _json_document(old), _json_document(new)
    if old_doc is not None and new_doc is not None:
        return diff_values(old_doc, new_doc, path, secret)
    return [_leaf(path or "(value)", old, new, secret)]


def _diff_lists(old: list[Any], new: list[Any], path: str, secret: bool) -> list[Change]:
    """Align two arrays so an inserted or removed item is one change, not a shift of every later index.

    Removed items are named by their BASE index, inserted and changed ones by their HEAD index.
    """
    keys = [[json.dumps(v, sort_keys=True) for v in side] for side in (old, new)]
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keys[0], keys[1], autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for offset in range(paired):  # items changed in place: compare them
            changes += diff_values(old[i1 + offset], new[j1 + offset], _join(path, j1 + offset), secret)
        for index in range(i1 + paired, i2):
            changes += diff_values(old[index], ABSENT, _join(path, index), secret)
        for index in range(j1 + paired, j2):
            changes += diff_values(ABSENT, new[index], _join(path, index), secret)
    return changes


def _urn_only(provider_ref: str) -> str:
    """A provider reference ``urn::id`` without the id, which is only assigned at deploy time."""
    return provider_ref.rsplit("::", 1)[0] if provider_ref.count("::") > 3 else provider_ref


def _short(urn: str) -> str:
    """The logical name at the end of a URN."""
    return urn.rsplit("::", 1)[-1]


def diff_resource(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Change]:
    """Changed inputs, provider, parent and options of one resource between two plans."""
    changes = diff_values(base.get("inputs") or {}, head.get("inputs") or {})
    if base.get("parent", "") != head.get("parent", ""):
        changes.append(Change("(parent)", _short(str(base.get("parent", ""))), _short(str(head.get("parent", "")))))
    old_provider, new_provider = _urn_only(str(base.get("provider", ""))), _urn_only(str(head.get("provider", "")))
    if old_provider != new_provider:
        changes.append(Change("(provider)", _short(old_provider) or ABSENT, _short(new_provider) or ABSENT))
    changes += diff_values(base.get("options") or {}, head.get("options") or {}, "(options)")
    return changes


# --- replacements ------------------------------------------------------------------------------


@functools.cache
def load_force_new(path: Path = FORCE_NEW_FILE) -> dict[str, Any]:
    """``force_new.json``: ``{"pulumiAws": ..., "upstream": {...}, "types": {type: {"forceNew": [...], ...}}}``."""
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("types"), dict):
        raise ValueError(f"{path}: no types map")
    return data


def _segments(path: str) -> list[str]:
    """``vpcConfig.subnetIds`` → ``["vpcConfig", "subnetIds"]``; list indexes and quoted keys are dropped."""
    return [part for part in re.split(r"\.|\[[^\]]*\]", path) if part and part != "*"]


def _pluck(value: Any, segments: Sequence[str]) -> Any:
    """The value at ``segments`` below ``value``, mapped over every list on the way (``None`` where absent)."""
    if isinstance(value, list):
        return [_pluck(item, segments) for item in value]
    if not segments:
        return value
    if isinstance(value, Mapping):
        return _pluck(value.get(segments[0]), segments[1:])
    return None


def _norm(value: Any) -> Any:
    """``value`` with empty containers, nulls and lists of nothing made ``None`` (the provider sees no difference)."""
    if isinstance(value, Mapping):
        kept = {str(k): v for k, v in ((k, _norm(v)) for k, v in value.items()) if v is not None}
        return kept or None
    if isinstance(value, list):
        items = [_norm(v) for v in value]
        return items if any(v is not None for v in items) else None
    return value


def _empty(value: Any) -> bool:
    return _norm(value) is None


def _changed(old: Any, new: Any) -> bool:
    """Whether two values differ (JSON documents in strings compared as documents)."""
    return bool(diff_values(_norm(old), _norm(new)))


def _applies(when: Mapping[str, Any] | None, inputs: Mapping[str, Any]) -> bool:
    """Whether a conditional rule's ``when`` holds on ``inputs``.

    ``when`` names a ``path`` and either ``set`` (whether it has a value) or ``in`` / ``notIn`` (its value, or
    ``default`` when it has none, is / is not one of these).
    """
    if not when:
        return True
    value = _pluck(inputs, _segments(str(when["path"])))
    if "set" in when:
        return bool(when["set"]) != _empty(value)
    if _empty(value):
        value = when.get("default")
    if "in" in when:
        return value in when["in"]
    return value not in when.get("notIn", [])


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _only_appended(old: Any, new: Any) -> bool:
    """Whether ``new`` is ``old`` with items appended to its lists (at any depth) or with larger numbers."""
    old, new = _norm(old), _norm(new)
    if old is None:
        return True
    if isinstance(old, list) and isinstance(new, list):
        return len(new) >= len(old) and all(_only_appended(o, n) for o, n in zip(old, new, strict=False))
    if _number(old) and _number(new):
        return bool(new >= old)
    return not _changed(old, new)


def _rule_hits(change: str, old: Any, new: Any) -> bool:
    """Whether one property's ``old`` → ``new`` is the kind of change a conditional rule forces on."""
    if change == "any":
        return _changed(old, new)
    if change == "removed":
        return not _empty(old) and _empty(new)
    if change == "emptiedOrFilled":
        return _empty(old) != _empty(new)
    if change == "itemRemoved":
        kept = {json.dumps(item, sort_keys=True) for item in new or []} if isinstance(new or [], list) else set()
        return isinstance(old, list) and any(json.dumps(item, sort_keys=True) not in kept for item in old)
    if change == "increase":
        return _number(old) and _number(new) and bool(new > old)
    if change == "notAppended":
        return not _only_appended(old, new)
    raise ValueError(f"force_new.json: unknown conditional change kind {change!r}")


def _covered(ignored: Sequence[str], path: str) -> bool:
    """Whether ``path`` is at or below an ``ignoreChanges`` path (``""``, from ``*``, covers everything)."""
    return any(not i or path == i or path.startswith(i + ".") for i in ignored)


def _at(inputs: Mapping[str, Any], path: str) -> Any:
    return _pluck(inputs, _segments(path))


def _conditional_forces(
    rule: Mapping[str, Any], old: Mapping[str, Any], new: Mapping[str, Any], ignored: Sequence[str]
) -> list[str]:
    """The properties one ``conditional`` rule of ``force_new.json`` says force a replacement."""
    if not _applies(rule.get("when"), new):
        return []
    properties = [path for path in rule["properties"] if not _covered(ignored, path)]
    if rule["change"] == "switched":  # which one of several mutually exclusive properties is set
        before = {path for path in properties if not _empty(_at(old, path))}
        after = {path for path in properties if not _empty(_at(new, path))}
        return sorted(before ^ after) if before and after and before != after else []
    return [path for path in properties if _rule_hits(rule["change"], _at(old, path), _at(new, path))]


def forcing_properties(
    spec: Mapping[str, Any],
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    ignore_changes: Sequence[str] = (),
    replace_on_changes: Sequence[str] = (),
) -> tuple[str, ...]:
    """The properties of ``spec`` (one type of ``force_new.json``) whose change from ``old`` to ``new`` inputs replaces.

    A path listed in ``ignoreChanges`` (or below one; ``*``: every input) is not diffed by Pulumi and forces
    nothing; every path in ``replaceOnChanges`` (``*``: any input) forces a replacement when it changes.
    """
    ignored = [".".join(_segments(path)) for path in ignore_changes]
    forces: list[str] = []
    for path in spec.get("forceNew", []):
        if not _covered(ignored, path) and _changed(_at(old, path), _at(new, path)):
            forces.append(path)
    for path in spec.get("forceNewOnAddOrRemove", []):
        if not _covered(ignored, path) and _empty(_at(old, path)) != _empty(_at(new, path)):
            forces.append(path)
    for rule in spec.get("conditional", []):
        forces += _conditional_forces(rule, old, new, ignored)
    for path in replace_on_changes:
        changed = _changed(old, new) if path == "*" else _changed(_at(old, path), _at(new, path))
        if changed and not _covered(ignored, path):
            forces.append(path)
    return tuple(dict.fromkeys(forces))


def _options(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    return resource.get("options") or {}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def replacement(
    force_new: Mapping[str, Any], base: Mapping[str, Any], head: Mapping[str, Any]
) -> tuple[tuple[str, ...], bool]:
    """``(forces, unchecked)`` of one resource updated from ``base`` to ``head`` (same URN).

    ``unchecked`` is true for a type of a checked package (``aws:``, ``awsx:``, ``eks:``) with no data.
    """
    type_ = str(head.get("type", ""))
    spec = force_new.get("types", {}).get(type_)
    replace_on = _strings(_options(head).get("replaceOnChanges"))
    if spec is None and not replace_on:
        return (), type_.startswith(CHECKED_PREFIXES)
    forces = forcing_properties(
        spec or {},
        base.get("inputs") or {},
        head.get("inputs") or {},
        ignore_changes=_strings(_options(head).get("ignoreChanges")),
        replace_on_changes=replace_on,
    )
    return forces, spec is None and type_.startswith(CHECKED_PREFIXES)


def _protection(base: Mapping[str, Any]) -> dict[str, Any]:
    """What BASE says about deleting a resource: protect, deletion protection, retainOnDelete, ECR forceDelete."""
    inputs, options = base.get("inputs") or {}, _options(base)
    ecr = str(base.get("type")) == "aws:ecr/repository:Repository"
    return {
        "protected": options.get("protect") is True,
        "deletion_protected": any(
            inputs.get(key) is True for key in ("enableDeletionProtection", "deletionProtection")
        ),
        "retained": options.get("retainOnDelete") is True,
        "force_delete": inputs.get("forceDelete") is True if ecr else None,
    }


def _entry(kind: Kind, resource: Mapping[str, Any], component: str, changes: Sequence[Change] = ()) -> ResourceDiff:
    return ResourceDiff(
        kind=kind,
        urn=str(resource["urn"]),
        type=str(resource.get("type", "")),
        name=str(resource.get("name", _short(str(resource["urn"])))),
        component=component,
        region=str(resource.get("region", "")),
        changes=tuple(changes),
    )


def _updated(
    force_new: Mapping[str, Any],
    base_resources: Mapping[str, Mapping[str, Any]],
    head_resources: Mapping[str, Mapping[str, Any]],
    head_components: Mapping[str, str],
) -> tuple[list[ResourceDiff], int]:
    """The updated or replaced resources whose URN is in both plans, and how many are unchanged."""
    entries: list[ResourceDiff] = []
    unchanged = 0
    for urn in sorted(base_resources.keys() & head_resources.keys()):
        changes = diff_resource(base_resources[urn], head_resources[urn])
        if changes:
            forces, unchecked = replacement(force_new, base_resources[urn], head_resources[urn])
            entry = _entry("replace" if forces else "update", head_resources[urn], head_components[urn], changes)
            entries.append(replace(entry, forces=forces, unchecked=unchecked, **_protection(base_resources[urn])))
        else:
            unchanged += 1
    return entries, unchanged


def _by_type_and_name(
    resources: Mapping[str, Mapping[str, Any]], urns: Iterable[str]
) -> dict[tuple[str, str], list[str]]:
    """``(type, name)`` → the URNs among ``urns`` (sorted) of resources with that type and name."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for urn in sorted(urns):
        grouped[(str(resources[urn].get("type")), str(resources[urn].get("name")))].append(urn)
    return grouped


def _moved_added_removed(
    base_resources: Mapping[str, Mapping[str, Any]],
    head_resources: Mapping[str, Mapping[str, Any]],
    base_components: Mapping[str, str],
    head_components: Mapping[str, str],
) -> list[ResourceDiff]:
    """The resources whose URN is in one plan only: moved (replaced), removed and added."""
    # Same type and name under a different URN: the resource moved, which Pulumi replaces.
    removed = _by_type_and_name(base_resources, base_resources.keys() - head_resources.keys())
    added = _by_type_and_name(head_resources, head_resources.keys() - base_resources.keys())
    entries: list[ResourceDiff] = []
    for key in sorted(removed.keys() & added.keys()):
        pairs = list(zip(removed[key], added[key], strict=False))
        for old_urn, new_urn in pairs:
            changes = diff_resource(base_resources[old_urn], head_resources[new_urn])
            entry = _entry("replace", head_resources[new_urn], head_components[new_urn], changes)
            entries.append(replace(entry, old_urn=old_urn, **_protection(base_resources[old_urn])))
        removed[key] = removed[key][len(pairs) :]
        added[key] = added[key][len(pairs) :]
    for urns in removed.values():
        entries += [
            replace(_entry("remove", base_resources[u], base_components[u]), **_protection(base_resources[u]))
            for u in urns
        ]
    for urns in added.values():
        entries += [_entry("add", head_resources[u], head_components[u]) for u in urns]
    return entries


def diff_plans(
    base: Mapping[str, Any], head: Mapping[str, Any], force_new: Mapping[str, Any] | None = None
) -> PlanDiff:
    """Compare two plans (``Plan.to_json()`` dicts): resources, stack outputs and warnings.

    ``force_new`` is the replacement data (default: ``force_new.json`` next to this module).
    """
    force_new = load_force_new() if force_new is None else force_new
    head_resources = {str(r["urn"]): r for r in head.get("resources") or []}
    base_resources = {str(r["urn"]): r for r in base.get("resources") or []}
    base_components = components(base_resources.values())
    # A resource renamed or moved with an alias is the same resource: compared, not replaced.
    moved = aliased_moves(base_resources, head_resources)
    base_resources, base_components = rekey(base_resources, moved), rekey(base_components, moved)
    head_components = components(head_resources.values())
    entries, unchanged = _updated(force_new, base_resources, head_resources, head_components)
    entries += _moved_added_removed(base_resources, head_resources, base_components, head_components)

    base_warnings, head_warnings = list(base.get("warnings") or []), list(head.get("warnings") or [])
    base_findings, head_findings = guardrail_findings(base), guardrail_findings(head)
    return PlanDiff(
        project=str(head.get("project") or base.get("project") or ""),
        base_stack=str(base.get("stack", "")),
        head_stack=str(head.get("stack", "")),
        resources=tuple(sorted(entries, key=lambda e: (e.component, e.region, KINDS.index(e.kind), e.type, e.name))),
        unchanged=unchanged,
        exports=tuple(diff_values(base.get("exports") or {}, head.get("exports") or {})),
        warnings_added=tuple(str(w) for w in head_warnings if w not in base_warnings),
        warnings_removed=tuple(str(w) for w in base_warnings if w not in head_warnings),
        guardrails_added=tuple(f for f in head_findings if f not in base_findings),
        guardrails_removed=tuple(f for f in base_findings if f not in head_findings),
        mandatory_in_head=sum(f.startswith("MANDATORY") for f in head_findings),
    )


def guardrail_findings(plan: Mapping[str, Any]) -> list[str]:
    """The policy pack's findings on a plan, one line each (the same pack ``make plan`` runs)."""
    report = evaluate(plan)
    kinds = (("MANDATORY", report.mandatory), ("advisory", report.advisory), ("exception", report.exceptions))
    return [f"{kind} [{v.policy}] {v.resource}: {v.message}" for kind, found in kinds for v in found]


# --- Markdown --------------------------------------------------------------------------------


def _code(text: str) -> str:
    """Inline code that survives backticks in ``text``."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _value(value: Any, limit: int) -> str:
    if value is ABSENT:
        return "(none)"
    if value in (SECRET, CHANGED, HIDDEN):
        return str(value)
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return _code(text if len(text) <= limit else text[: limit - 1] + "…")


def render_change(change: Change, limit: int = 100) -> str:
    """``- `path`: `old` → `new```, or ``- `path`: (changed)`` for a masked change."""
    if change.masked:
        what = "(added)" if change.old is ABSENT else "(removed)" if change.new is ABSENT else CHANGED
        return f"- {_code(change.path)}: {what}"
    return f"- {_code(change.path)}: {_value(change.old, limit)} → {_value(change.new, limit)}"


def _why(entry: ResourceDiff) -> str:
    """Why a resource is replaced or removed."""
    if entry.kind == "remove":
        return "removed from the program"
    if entry.forces:
        return "a change of " + ", ".join(_code(f) for f in entry.forces) + " forces a new one"
    parent = next((c for c in entry.changes if c.path == "(parent)"), None)
    moved = f" (parent {_code(str(parent.old))} → {_code(str(parent.new))})" if parent else ""
    return f"its URN moved{moved} and no alias links the old one to it"


def render_stateful(entry: ResourceDiff) -> str:
    """One line of the stateful section: what happens, why, what is lost and what blocks ``pulumi up``."""
    verb = "**replace**" if entry.kind == "replace" else "**delete**"
    where = f"{_code(entry.component)} · {entry.region or 'no region'}"
    parts = [f"- {verb} {_code(entry.name)} {_code(entry.type)} ({where}): {_why(entry)}."]
    if entry.type in STATEFUL:
        parts.append(STATEFUL[entry.type] + ".")
    if entry.protected:
        parts.append(
            "**Protected** (`protect: true`): `pulumi up` fails on it until protection is removed "
            "(set `protect: false` in an update of its own, or `pulumi state unprotect`)."
        )
    if entry.deletion_protected:
        what = "the new one is created first, then deleting the old one" if entry.kind == "replace" else "deleting it"
        parts.append(
            f"**Deletion protection is on**: {what} fails, and the update stops there (with two of them for a "
            "replacement) until deletion protection is turned off in an update of its own (review m10)."
        )
    if entry.retained:
        parts.append("`retainOnDelete`: Pulumi leaves the old one in the account; delete or import it by hand.")
    if entry.force_delete is False:
        parts.append("`forceDelete` is off: deleting it fails while it holds images.")
    return " ".join(parts)


def _render_entry(entry: ResourceDiff) -> str:
    line = f"- {_code(entry.name)} {_code(entry.type)}"
    if entry.forces:
        return line + " — replace (forces: " + ", ".join(_code(f) for f in entry.forces) + ")"
    if entry.unchecked:
        return line + " — no ForceNew data for this type: `pulumi preview` tells whether this replaces it"
    return line


def _render_groups(diff: PlanDiff, max_changes: int) -> list[str]:
    """One section per component and region, resources listed by kind."""
    lines: list[str] = []
    groups: dict[tuple[str, str], list[ResourceDiff]] = defaultdict(list)
    for entry in diff.resources:
        groups[(entry.component, entry.region)].append(entry)
    for (component, region), entries in groups.items():
        lines.append(f"#### {_code(component)} · {region or 'no region'}")
        for kind in KINDS:
            of_kind = [e for e in entries if e.kind == kind]
            if of_kind:
                lines += ["", f"{KIND_TITLES[kind]} ({len(of_kind)}):", ""]
                lines += [line for entry in of_kind for line in _render_entry_lines(entry, max_changes)]
        lines.append("")
    return lines


def _render_entry_lines(entry: ResourceDiff, max_changes: int) -> list[str]:
    """One resource's line, then its changed paths when it is updated or replaced."""
    lines = [_render_entry(entry)]
    if entry.kind in ("update", "replace"):
        lines += ["  " + render_change(c) for c in entry.changes[:max_changes]]
        if len(entry.changes) > max_changes:
            lines.append(f"  - … and {len(entry.changes) - max_changes} more")
    return lines


def _render_new_and_gone(heading: str, added: Sequence[str], removed: Sequence[str]) -> list[str]:
    """A ``#### heading`` section of new and gone lines, or nothing when both are empty."""
    if not (added or removed):
        return []
    return [f"#### {heading}", "", *(f"- new: {x}" for x in added), *(f"- gone: {x}" for x in removed), ""]


def _render_exports(diff: PlanDiff, max_changes: int) -> list[str]:
    """The changed stack outputs, or nothing."""
    if not diff.exports:
        return []
    lines = ["#### Stack outputs", ""]
    lines += [render_change(c) for c in diff.exports[:max_changes]]
    if len(diff.exports) > max_changes:
        lines.append(f"- … and {len(diff.exports) - max_changes} more")
    lines.append("")
    return lines


def _render_head(diff: PlanDiff, title: str | None) -> list[str]:
    """The stateful section (when there is one), the title, the summary line and the guardrail alert."""
    stack = diff.head_stack if diff.base_stack in ("", diff.head_stack) else f"{diff.base_stack} → {diff.head_stack}"
    lines: list[str] = []
    if diff.stateful:
        lines += ["## Stateful resources replaced or deleted", ""]
        lines += [render_stateful(entry) for entry in diff.stateful]
        lines.append("")
    lines += [f"### {title or f'Offline plan diff: {stack}'}", "", f"**{diff.summary()}**", ""]
    if diff.mandatory_in_head:
        lines += [f"**Guardrails: {diff.mandatory_in_head} mandatory violation(s) in this change; see below.**", ""]
    return lines


def render_markdown(diff: PlanDiff, title: str | None = None, max_changes: int = 40) -> str:
    """The diff as Markdown: a summary line, then one section per component and region.

    Stateful resources replaced or deleted, when there are any, come first of all. At most ``max_changes`` changed paths are listed per resource.
    """
    lines = _render_head(diff, title)
    if diff.empty:
        lines += ["No changes.", ""]
        return "\n".join(lines)
    lines += _render_groups(diff, max_changes)
    lines += _render_exports(diff, max_changes)
    lines += _render_new_and_gone("Guardrails", diff.guardrails_added, diff.guardrails_removed)
    lines += _render_new_and_gone("Warnings", diff.warnings_added, diff.warnings_removed)
    lines += [
        "_Offline plan under mocks: a replacement here is a resource whose URN moved or whose changed inputs "
        "include a property the provider can only change by replacing it (`offline_plan/force_new.json`, read "
        "from the upstream provider source). Values known only at deploy time (IDs, computed CIDRs) are not "
        "compared, so a replacement that follows from another one is not shown. `pulumi preview` has the final word._",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: print the Markdown diff of two plan files."""
    parser = argparse.ArgumentParser(prog="python -m offline_plan.diff", description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="plan JSON of the base (e.g. build/plan-dev.json from the target branch)")
    parser.add_argument("head", help="plan JSON of the change")
    parser.add_argument("--title", help="heading of the Markdown (default: Offline plan diff: <stack>)")
    parser.add_argument("--max-changes", type=int, default=40, help="changed paths listed per resource (default 40)")
    args = parser.parse_args(argv)
    plans: list[dict[str, Any]] = []
    for name in (args.base, args.head):
        try:
            data = json.loads(Path(name).read_text())
        except (OSError, ValueError) as err:
            print(f"error: cannot read plan {name}: {err}", file=sys.stderr)
            return 2
        if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
            print(f"error: {name} is not an offline plan (no resources list)", file=sys.stderr)
            return 2
        plans.append(data)
    diff = diff_plans(plans[0], plans[1])
    # The cost delta, the deploy time of the change and the diagram come first (docs/insights.md).
    print(insights_report(plans[0], plans[1], [(entry.kind, entry.urn) for entry in diff.resources]))
    print(render_markdown(diff, title=args.title, max_changes=args.max_changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
