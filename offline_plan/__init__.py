"""The offline plan: run the real ``__main__.py`` under Pulumi's mocked runtime and record it.

``make plan STACK=dev`` prints what ``pulumi up`` would create and writes
``build/plan-<stack>.json``. The tests build on the same recorder (``run_stack``), so the
plan and the tests cannot drift apart.
"""

from offline_plan.recorder import Plan, RecordedResource, run_stack

__all__ = ["Plan", "RecordedResource", "run_stack"]
