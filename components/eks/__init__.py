"""``container-platform:eks:*``: an EKS cluster per region, its storage and the manifest applier."""

from components.eks.applier import KubeApplier, KubeApplierArgs
from components.eks.region import EksRegion, EksRegionArgs
from components.eks.storage import ClusterStorage, ClusterStorageArgs

__all__ = ["ClusterStorage", "ClusterStorageArgs", "EksRegion", "EksRegionArgs", "KubeApplier", "KubeApplierArgs"]
