"""``container-platform:registry:*``: the shared ECR registry, its replicas and the creation role."""

from components.registry.replica import (
    RegistryCreationRole,
    RegistryCreationRoleArgs,
    RegistryReplica,
    RegistryReplicaArgs,
)
from components.registry.shared_registry import SharedRegistry, SharedRegistryArgs

__all__ = [
    "RegistryCreationRole",
    "RegistryCreationRoleArgs",
    "RegistryReplica",
    "RegistryReplicaArgs",
    "SharedRegistry",
    "SharedRegistryArgs",
]
