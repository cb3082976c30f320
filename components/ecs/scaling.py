"""ServiceAutoscaling: Application Auto Scaling of one ECS service's desired count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

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
        if args.settings.requests_per_target is not None and args.request_count_label is None:
            raise ValueError("requests_per_target needs the ALB's request_count_label")
        tags = component_tags("ecs", args.tags)
        self.target = self._target(name, args, tags)
        # One change at a time: each policy and schedule waits for the one before it.
        chain: list[pulumi.Resource] = [self.target]
        chain += self._tracking_policies(name, args, after=chain[-1])
        chain += [policy for policy, _alarm in self._step_policies(name, args, tags, after=chain[-1])]
        self._schedules(name, args, after=chain[-1])
        self.register_outputs({"resource_id": self.target.resource_id})

    def _target(self, name: str, args: ServiceAutoscalingArgs, tags: Mapping[str, str]) -> aws.appautoscaling.Target:
        auto = args.settings
        running = pulumi.Output.from_input(args.running)
        return aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{args.cluster_name}/{args.service_name}",
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

    def _tracking_policies(
        self, name: str, args: ServiceAutoscalingArgs, after: pulumi.Resource
    ) -> list[aws.appautoscaling.Policy]:
        auto = args.settings
        tracking: list[tuple[str, float | None, str, pulumi.Input[str] | None]] = [
            ("cpu", auto.cpu_target, "ECSServiceAverageCPUUtilization", None),
            ("memory", auto.memory_target, "ECSServiceAverageMemoryUtilization", None),
            ("requests", auto.requests_per_target, "ALBRequestCountPerTarget", args.request_count_label),
        ]
        policies: list[aws.appautoscaling.Policy] = []
        for role, target_value, metric, label in tracking:
            if target_value is None:
                continue
            policies.append(
                aws.appautoscaling.Policy(
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
                    opts=self._serial(policies[-1] if policies else after),
                )
            )
        return policies

    def _step_policies(
        self, name: str, args: ServiceAutoscalingArgs, tags: Mapping[str, str], after: pulumi.Resource
    ) -> list[tuple[aws.appautoscaling.Policy, aws.cloudwatch.MetricAlarm]]:
        step = args.settings.step_scaling
        if step is None:
            return []
        built: list[tuple[aws.appautoscaling.Policy, aws.cloudwatch.MetricAlarm]] = []
        for direction, policy, comparison in (
            ("out", step.scale_out, "GreaterThanOrEqualToThreshold"),
            ("in", step.scale_in, "LessThanOrEqualToThreshold"),
        ):
            if policy is None:
                continue
            previous = built[-1][0] if built else after
            built.append(self._step(name, args, direction, policy, comparison, tags, after=previous))
        return built

    def _schedules(
        self, name: str, args: ServiceAutoscalingArgs, after: pulumi.Resource
    ) -> list[aws.appautoscaling.ScheduledAction]:
        actions: list[aws.appautoscaling.ScheduledAction] = []
        for schedule in args.settings.schedules:
            actions.append(
                aws.appautoscaling.ScheduledAction(
                    f"{name}-{schedule.name}",
                    schedule=schedule_expression(schedule.cron, schedule.at),
                    timezone=schedule.timezone,
                    scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                        min_capacity=schedule.min_count, max_capacity=schedule.max_count
                    ),
                    resource_id=self.target.resource_id,
                    scalable_dimension=self.target.scalable_dimension,
                    service_namespace=self.target.service_namespace,
                    opts=self._serial(actions[-1] if actions else after),
                )
            )
        return actions

    def _serial(self, after: pulumi.Resource) -> pulumi.ResourceOptions:
        # One change at a time: Application Auto Scaling rejects concurrent updates to the
        # same scalable target (ConcurrentUpdateException).
        return pulumi.ResourceOptions(parent=self, depends_on=[after])

    def _step(
        self,
        name: str,
        args: ServiceAutoscalingArgs,
        direction: str,
        policy: StepPolicySettings,
        comparison: str,
        tags: Mapping[str, str],
        after: pulumi.Resource,
    ) -> tuple[aws.appautoscaling.Policy, aws.cloudwatch.MetricAlarm]:
        step = args.settings.step_scaling
        assert step is not None
        scaling = aws.appautoscaling.Policy(
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
            opts=self._serial(after),
        )
        # The alarm that drives the step policy: created here, so the policy can never be orphaned.
        alarm = aws.cloudwatch.MetricAlarm(
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
            opts=pulumi.ResourceOptions(parent=self),
        )
        return scaling, alarm


def step_adjustments(steps: Sequence[tuple[int | None, int | None, int]]) -> list[dict[str, Any]]:
    """(lowerBound, upperBound, change) -> Application Auto Scaling step adjustments.

    The API takes the bounds as strings relative to the alarm threshold.
    """
    result: list[dict[str, Any]] = []
    for lower, upper, change in steps:
        step: dict[str, Any] = {"scaling_adjustment": change}
        if lower is not None:
            step["metric_interval_lower_bound"] = str(lower)
        if upper is not None:
            step["metric_interval_upper_bound"] = str(upper)
        result.append(step)
    return result


def schedule_expression(cron: str | None, at: str | None) -> str:
    """``cron(...)`` or ``at(...)`` as Application Auto Scaling expects."""
    if (cron is None) == (at is None):
        raise ValueError("exactly one of cron and at")
    return f"cron({cron})" if cron is not None else f"at({at})"
