"""``container-platform:ecs:*``: the ECS platform of a region, its services and their parts."""

from components.ecs.anywhere import EcsAnywhere, EcsAnywhereArgs
from components.ecs.load_balancer import ServiceLoadBalancer, ServiceLoadBalancerArgs
from components.ecs.platform import EcsPlatform, EcsPlatformArgs
from components.ecs.scaling import ServiceAutoscaling, ServiceAutoscalingArgs
from components.ecs.service import EcsService, EcsServiceArgs
from components.ecs.task_execution_role import TaskExecutionRole, TaskExecutionRoleArgs

__all__ = [
    "EcsAnywhere",
    "EcsAnywhereArgs",
    "EcsPlatform",
    "EcsPlatformArgs",
    "EcsService",
    "EcsServiceArgs",
    "ServiceAutoscaling",
    "ServiceAutoscalingArgs",
    "ServiceLoadBalancer",
    "ServiceLoadBalancerArgs",
    "TaskExecutionRole",
    "TaskExecutionRoleArgs",
]
