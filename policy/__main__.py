"""Entry point the Pulumi CLI runs for ``pulumi preview --policy-pack policy``.

The rules live in ``guardrails`` so that ``make plan`` and ``make test`` can evaluate the very same
policy objects offline; this file only hands them to the policy engine.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from guardrails.pack import PACK_DESCRIPTION, PACK_NAME, policies

PolicyPack(
    name=PACK_NAME,
    description=PACK_DESCRIPTION,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
)
