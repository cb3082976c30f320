"""ClusterStorage: the Kubernetes side of a cluster's storage (StorageClasses, Trident backend).

Built with the cluster's Kubernetes provider, which ``__main__`` passes in ``opts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.eks import StorageBackends
from components.eks_policies import (
    TRIDENT_NAMESPACE,
    efs_storage_class,
    fsx_lustre_storage_class,
    fsx_ontap_storage_class,
    gp3_storage_class,
    trident_backend,
)
from settings.models import StorageSettings


@dataclass(frozen=True)
class ClusterStorageArgs:
    """Inputs of a cluster's StorageClasses."""

    storage: StorageSettings
    """Which classes to create (one per enabled flag)."""
    backends: StorageBackends
    """AWS-side file systems and security groups the classes point at."""


class ClusterStorage(pulumi.ComponentResource):
    """StorageClasses gp3 (default), efs, fsx-lustre and fsx-ontap, each only when its flag is on."""

    classes: dict[str, k8s.storage.v1.StorageClass]
    """Class name -> the StorageClass."""

    def __init__(self, name: str, args: ClusterStorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:eks:ClusterStorage", name, None, opts)
        b = args.backends
        specs: dict[str, pulumi.Input[Mapping[str, Any]]] = {}
        if args.storage.ebs:
            specs["gp3"] = gp3_storage_class()
        if args.storage.efs:
            assert b.efs_file_system_id is not None
            specs["efs"] = b.efs_file_system_id.apply(efs_storage_class)
        if args.storage.fsx_lustre:
            assert b.lustre_subnet_id is not None and b.lustre_security_group_id is not None
            specs["fsx-lustre"] = pulumi.Output.all(b.lustre_subnet_id, b.lustre_security_group_id).apply(
                lambda v: fsx_lustre_storage_class(str(v[0]), str(v[1]))
            )
        if args.storage.fsx_ontap:
            assert b.ontap_file_system_id is not None and b.ontap_svm_name and b.ontap_secret_arn is not None
            specs["fsx-ontap"] = fsx_ontap_storage_class()
            backend = pulumi.Output.all(b.ontap_file_system_id, b.ontap_secret_arn).apply(
                lambda v: trident_backend(str(v[0]), str(b.ontap_svm_name), str(v[1]))
            )
            k8s.apiextensions.CustomResource(
                f"{name}-trident-backend",
                api_version="trident.netapp.io/v1",
                kind="TridentBackendConfig",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="fsx-ontap", namespace=TRIDENT_NAMESPACE),
                spec=backend.apply(lambda doc: doc["spec"]),
                # The add-on installs the TridentBackendConfig type; Trident needs its identity to read the secret.
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(b.ontap_ready)),
            )

        self.classes = {}
        for class_name, spec in specs.items():
            out = pulumi.Output.from_input(spec)
            self.classes[class_name] = k8s.storage.v1.StorageClass(
                f"{name}-{class_name}",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=class_name, annotations=out.apply(lambda s: dict(s["annotations"]) or None)
                ),
                provisioner=out.apply(lambda s: str(s["provisioner"])),
                parameters=out.apply(lambda s: dict(s["parameters"])),
                volume_binding_mode=out.apply(lambda s: str(s["volume_binding_mode"])),
                allow_volume_expansion=out.apply(lambda s: bool(s["allow_volume_expansion"])),
                reclaim_policy=out.apply(lambda s: str(s["reclaim_policy"])),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})
