"""The rules of ``policy/guardrails/rules/logs.py``: firing and passing cases.

They look at CloudWatch Logs groups. ``test_rule_table.py`` collects ``FIRING`` and ``PASSING`` from
every area to check each rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.logs import RULES
from tests.policy.subjects import LOG_GROUP, Case, check_fires, check_passes, compliant_cases, drop, edit, fire, passes

FIRING = [
    fire("logs-retention", drop(LOG_GROUP, "retentionInDays"), "retentionInDays is not set", id="unset"),
    fire("logs-retention", edit(LOG_GROUP, retentionInDays=0), "retentionInDays is not set", id="zero"),
    fire("logs-kms-encryption", drop(LOG_GROUP, "kmsKeyId"), "kmsKeyId is not set", id="unset"),
]


PASSING = [
    *compliant_cases(RULES),
    passes("logs-retention", edit(LOG_GROUP, retentionInDays=3653), id="ten-years"),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)
