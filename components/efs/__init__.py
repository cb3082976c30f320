"""``container-platform:efs:*``: the encrypted, TLS-only EFS file system shared by ECS and EKS."""

from components.efs.file_system import EfsMount, SharedFileSystem, SharedFileSystemArgs

__all__ = ["EfsMount", "SharedFileSystem", "SharedFileSystemArgs"]
