"""container-platform guardrails: rules shared by the Pulumi policy pack and the offline plan.

``model`` defines a rule, ``rules`` holds them (one module per AWS area), ``pack`` turns them into
pulumi_policy policies and ``offline`` runs those policies against ``build/plan-<stack>.json``.
"""
