"""Put deployment/ (deploy_settings, deploy_components) and the repo root (offline_plan) on sys.path.

No __init__.py here: the root project's tests are the package ``tests``; this directory
stays a rootless test directory so the two never clash.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

DEPLOYMENT = Path(__file__).resolve().parent.parent
ROOT = DEPLOYMENT.parent
for path in (DEPLOYMENT, ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from offline_plan.recorder import stack_config  # noqa: E402

STACK = "platform"
NAMESPACE = "container-platform-deployment:"


def pytest_configure(config: pytest.Config) -> None:
    # DeploymentSettings.github is deprecated in favour of vcs; we keep github on purpose
    # (pulumi/pulumi-pulumiservice#754), so its warning is expected noise here.
    config.addinivalue_line("filterwarnings", "ignore:Use the 'vcs' property instead:DeprecationWarning")


@pytest.fixture
def platform_config() -> dict[str, Any]:
    """The committed Pulumi.platform.yaml config, YAML-shaped, a fresh copy per test."""
    return copy.deepcopy(stack_config(STACK, DEPLOYMENT))
