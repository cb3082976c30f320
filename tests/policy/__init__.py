"""The guardrail policy pack's tests, one module per rule area as in ``policy/guardrails/rules/``."""

import pytest

# The shared checks in subjects.py assert too; pytest explains their failures only if it rewrites them.
pytest.register_assert_rewrite("tests.policy.subjects")
