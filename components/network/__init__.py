"""``container-platform:network:*``: the VPC of each region."""

from components.network.network import Network, NetworkArgs

__all__ = ["Network", "NetworkArgs"]
