"""ECR: immutable tags, scanning, KMS encryption, no public principal, a lifecycle policy per repository."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from ..model import Rule, Subject, as_list, document, truthy
from .iam import statements

REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
POLICY_TYPES = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": "policy",
    TEMPLATE: "repositoryPolicy",
}
IMMUTABLE = ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION")


def _immutable(r: Subject) -> Iterator[str]:
    mutability = r.get("imageTagMutability", "MUTABLE")
    if mutability not in IMMUTABLE:
        yield f"imageTagMutability is {mutability}; expected IMMUTABLE so a pushed tag always names the same image"


def filter_matches(pattern: str, repository: str) -> bool:
    """ECR's WILDCARD scan filter.

    ``*`` matches anything anywhere; a filter without ``*`` matches every repository whose
    name contains it (ECR user guide, image scanning filters).
    """
    if "*" not in pattern:
        return pattern in repository
    return fnmatch.fnmatchcase(repository, pattern)


def _scan_rules_cover(scanning: Subject, repository: str) -> bool:
    for rule in as_list(scanning.get("rules")):
        # MANUAL rules scan only on request; nothing is scanned on push.
        if not isinstance(rule, Mapping) or rule.get("scanFrequency") == "MANUAL":
            continue
        for flt in as_list(rule.get("repositoryFilters")):
            pattern = str(flt.get("filter", "")) if isinstance(flt, Mapping) else ""
            if pattern and filter_matches(pattern, repository):
                return True
    return False


def _scanned(r: Subject) -> Iterator[str]:
    config = r.get("imageScanningConfiguration", {})
    if truthy(config.get("scanOnPush")):
        return
    name = str(r.get("name", r.name))
    same_region = [
        s
        for s in (r.stack.of_type(SCANNING) if r.stack else [])
        if s.provider_props.get("region") == r.provider_props.get("region")
    ]
    if any(_scan_rules_cover(s, name) for s in same_region):
        return
    yield "neither scanOnPush nor a registry scanning rule in this region covers this repository"


def _encryption(configs: Any) -> Iterator[str]:
    configs = as_list(configs)
    kinds = [c.get("encryptionType", "AES256") for c in configs if isinstance(c, Mapping)] or ["AES256"]
    if not all(kind in ("KMS", "KMS_DSSE") for kind in kinds):
        yield f"encryptionType is {', '.join(kinds)}; expected KMS"
        return
    if not all(c.get("kmsKey") for c in configs if isinstance(c, Mapping)):
        yield "encrypted with the AWS-managed aws/ecr key; expected a customer-managed KMS key (kmsKey)"


def _kms(r: Subject) -> Iterator[str]:
    yield from _encryption(r.get("encryptionConfigurations") or r.get("encryptionConfiguration"))


def _no_public_principal(r: Subject) -> Iterator[str]:
    for index, statement in enumerate(statements(document(r.get(POLICY_TYPES[r.type])))):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        aws = principal.get("AWS") if isinstance(principal, Mapping) else principal
        if principal == "*" or "*" in as_list(aws):
            yield f"statement {statement.get('Sid', index)} allows Principal '*'; name the accounts or roles instead"


def _lifecycle(r: Subject) -> Iterator[str]:
    if r.type == TEMPLATE:
        if not r.get("lifecyclePolicy"):
            yield "creation template has no lifecyclePolicy; repositories it creates would keep every image"
        return
    name = r.get("name", r.name)
    for policy in r.stack.of_type(LIFECYCLE) if r.stack else []:
        if r.urn in [d.urn for d in policy.depends_on("repository")] or policy.get("repository") == name:
            return
    yield "no aws:ecr/lifecyclePolicy targets this repository; untagged and old images would pile up"


RULES = (
    Rule(
        id="ecr-immutable-tags",
        title="ECR repositories and creation templates use IMMUTABLE image tags.",
        resource_types=(REPOSITORY, TEMPLATE),
        check=_immutable,
        controls=("ECR.2",),
        remediation="Set imageTagMutability to IMMUTABLE; publish a new tag for every build.",
    ),
    Rule(
        id="ecr-image-scanning",
        title="Every private repository is scanned on push, by its own setting or a registry scanning rule.",
        resource_types=(REPOSITORY,),
        check=_scanned,
        controls=("ECR.1",),
        remediation="Set imageScanningConfiguration.scanOnPush, or registry.scanning (basic or enhanced).",
        scope="stack",
    ),
    Rule(
        id="ecr-kms-encryption",
        title="ECR repositories and creation templates encrypt images with a customer-managed KMS key.",
        resource_types=(REPOSITORY, TEMPLATE),
        check=_kms,
        controls=("ECR.5",),
        remediation="Keep registry.encryption at customerManagedKey.",
    ),
    Rule(
        id="ecr-no-public-principal",
        title="ECR repository, registry and template policies never allow Principal '*'.",
        resource_types=tuple(POLICY_TYPES),
        check=_no_public_principal,
        remediation="Grant pull to named accounts (registry.pullAccounts) or roles instead of '*'.",
    ),
    Rule(
        id="ecr-lifecycle-policy",
        title="Every private repository and creation template has a lifecycle policy.",
        resource_types=(REPOSITORY, TEMPLATE),
        check=_lifecycle,
        controls=("ECR.3",),
        remediation="Create an aws.ecr.LifecyclePolicy for the repository (SharedRegistry does this for you).",
        scope="stack",
    ),
)
