"""ServiceAutoscaling: Application Auto Scaling of one ECS service's desired count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.ecs_policies import schedule_expression, step_adjustments
from components.tags import component_tags
from settings.models import AutoscalingSettings, StepPolicySettings

SCALE_OUT_COOLDOWN = 60
"""Target tracking: seconds between scale-outs (react fast)."""
SCALE_IN_COOLDOWN = 300
"""Target tracking: seconds between scale-ins (shed capacity slowly)."""


@dataclass(frozen=True)
class ServiceAutoscalingArgs:
    """Inputs of one service's auto scaling."""

    cluster_name: str
    """The cluster of the service."""
    service_name: str
    """The service; the scalable target is ``service/<cluster>/<service>``."""
    settings: AutoscalingSettings
    """Bounds and policies from config."""
    service: pulumi.Resource
    """The ECS service: the target registers after it exists."""
    request_count_label: pulumi.Input[str] | None = None
    """ALB resource label; required for requestsPerTarget."""
    running: pulumi.Input[bool] = True
    """False while the service's image is missing: bounds 0 and every kind of scaling suspended, so
    no policy or schedule starts tasks that cannot pull. Default True."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags on top of the provider's default tags."""


class ServiceAutoscaling(pulumi.ComponentResource):
    """Scalable target, target tracking (CPU, memory, ALB requests), step scaling with its alarms, schedules."""

    target: aws.appautoscaling.Target
    """The scalable target on ``ecs:service:DesiredCount``."""

    def __init__(self, name: str, args: ServiceAutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("container-platform:ecs:ServiceAutoscaling", name, None, opts)
        auto = args.settings
        if auto.requests_per_target is not None and args.request_count_label is None:
            raise ValueError("requests_per_target needs the ALB's request_count_label")
        tags = component_tags("ecs", args.tags)
        resource_id = f"service/{args.cluster_name}/{args.service_name}"
        running = pulumi.Output.from_input(args.running)
        self.target = aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id,
            # Registering min N later raises the service to N: "it changes the resource's current capacity
            # to a value that is inside of this range" (Application Auto Scaling, RegisterScalableTarget).
            min_capacity=running.apply(lambda on: auto.min_count if on else 0),
            max_capacity=running.apply(lambda on: auto.max_count if on else 0),
            suspended_state=running.apply(
                lambda on: aws.appautoscaling.TargetSuspendedStateArgs(
                    dynamic_scaling_in_suspended=not on,
                    dynamic_scaling_out_suspended=not on,
                    scheduled_scaling_suspended=not on,
                )
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.service]),
        )
        self._last: pulumi.Resource = self.target

        tracking: list[tuple[str, float | None, str, pulumi.Input[str] | None]] = [
            ("cpu", auto.cpu_target, "ECSServiceAverageCPUUtilization", None),
            ("memory", auto.memory_target, "ECSServiceAverageMemoryUtilization", None),
            ("requests", auto.requests_per_target, "ALBRequestCountPerTarget", args.request_count_label),
        ]
        for role, target_value, metric, label in tracking:
            if target_value is None:
                continue
            self._last = aws.appautoscaling.Policy(
                f"{name}-{role}",
                policy_type="TargetTrackingScaling",
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=float(target_value),
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric, resource_label=label
                    ),
                    scale_in_cooldown=SCALE_IN_COOLDOWN,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN,
                ),
                resource_id=self.target.resource_id,
                scalable_dimension=self.target.scalable_dimension,
                service_namespace=self.target.service_namespace,
                opts=self._serial(),
            )

        step = auto.step_scaling
        if step is not None:
            for direction, policy, comparison in (
                ("out", step.scale_out, "GreaterThanOrEqualToThreshold"),
                ("in", step.scale_in, "LessThanOrEqualToThreshold"),
            ):
                if policy is None:
                    continue
                self._step(name, args, direction, policy, comparison, tags)

        for schedule in auto.schedules:
            self._last = aws.appautoscaling.ScheduledAction(
                f"{name}-{schedule.name}",
                schedule=schedule_expression(schedule.cron, schedule.at),
                timezone=schedule.timezone,
                scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                    min_capacity=schedule.min_count, max_capacity=schedule.max_count
                ),
                resource_id=self.target.resource_id,
                scalable_dimension=self.target.scalable_dimension,
                service_namespace=self.target.service_namespace,
                opts=self._serial(),
            )
        self.register_outputs({"resource_id": self.target.resource_id})

    def _serial(self) -> pulumi.ResourceOptions:
        # One change at a time: Application Auto Scaling rejects concurrent updates to the
        # same scalable target (ConcurrentUpdateException).
        return pulumi.ResourceOptions(parent=self, depends_on=[self._last])

    def _step(
        self,
        name: str,
        args: ServiceAutoscalingArgs,
        direction: str,
        policy: StepPolicySettings,
        comparison: str,
        tags: Mapping[str, str],
    ) -> None:
        step = args.settings.step_scaling
        assert step is not None
        child = pulumi.ResourceOptions(parent=self)
        scaling = self._last = aws.appautoscaling.Policy(
            f"{name}-step-{direction}",
            policy_type="StepScaling",
            step_scaling_policy_configuration=aws.appautoscaling.PolicyStepScalingPolicyConfigurationArgs(
                adjustment_type="ChangeInCapacity",
                cooldown=policy.cooldown,
                metric_aggregation_type=step.statistic,
                step_adjustments=[
                    aws.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustmentArgs(**adjustment)
                    for adjustment in step_adjustments([(s.lower_bound, s.upper_bound, s.change) for s in policy.steps])
                ],
            ),
            resource_id=self.target.resource_id,
            scalable_dimension=self.target.scalable_dimension,
            service_namespace=self.target.service_namespace,
            opts=self._serial(),
        )
        # The alarm that drives the step policy: created here, so the policy can never be orphaned.
        aws.cloudwatch.MetricAlarm(
            f"{name}-step-{direction}-alarm",
            alarm_description=f"Scale {args.service_name} {direction} on {step.metric} {comparison} {policy.threshold}",
            namespace="AWS/ECS",
            metric_name=step.metric,
            dimensions={"ClusterName": args.cluster_name, "ServiceName": args.service_name},
            statistic=step.statistic,
            period=step.period,
            evaluation_periods=step.evaluation_periods,
            threshold=policy.threshold,
            comparison_operator=comparison,
            treat_missing_data="notBreaching" if direction == "out" else "missing",
            alarm_actions=[scaling.arn],
            tags=dict(tags),
            opts=child,
        )
