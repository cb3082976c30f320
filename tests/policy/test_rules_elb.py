"""The rules of ``policy/guardrails/rules/elb.py``: firing and passing cases and their other tests.

They look at load balancers and listeners. ``test_rule_table.py`` collects ``FIRING`` and
``PASSING`` from every area to check each rule has both.
"""

from __future__ import annotations

import pytest

from policy.guardrails.rules.elb import RULES
from tests.policy.subjects import (
    FORWARD,
    HTTP_LISTENER,
    HTTPS_LISTENER,
    LB,
    PRIVATE_SUBNETS,
    PROD,
    Case,
    check_fires,
    check_passes,
    compliant_cases,
    drop,
    edit,
    fire,
    on,
    passes,
    provider,
    retyped,
    run,
)

FIRING = [
    fire(
        "elb-access-logs",
        on(drop(LB, "accessLogs"), PROD),
        "accessLogs are not enabled",
        "environment prod",
        id="unset",
    ),
    fire(
        "elb-access-logs",
        on(edit(LB, accessLogs={"enabled": False, "bucket": "b"}), PROD),
        "not enabled",
        id="disabled",
    ),
    fire(
        "elb-access-logs",
        on(edit(LB, loadBalancerType="network", accessLogs={"enabled": "true"}), PROD),
        "not enabled with a bucket",
        id="nlb-without-bucket",
    ),
    fire(
        "elb-https-listeners",
        drop(HTTPS_LISTENER, "sslPolicy"),
        "HTTPS listener has no sslPolicy",
        "ELBSecurityPolicy-2016-08",
        id="https-no-policy",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS-1-1-2017-01"),
        "sslPolicy ELBSecurityPolicy-TLS-1-1-2017-01 is not a TLS 1.3 policy family",
        "use ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        id="https-tls-1-1",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-2016-08"),
        "sslPolicy ELBSecurityPolicy-2016-08 is not a TLS 1.3 policy family",
        id="https-2016-08",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS-1-2-Ext-2018-06"),
        "sslPolicy ELBSecurityPolicy-TLS-1-2-Ext-2018-06 is not a TLS 1.3 policy family",
        id="https-tls-1-2-without-tls13-family",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-TLS13-1-0-2021-06"),
        "sslPolicy ELBSecurityPolicy-TLS13-1-0-2021-06 is not a TLS 1.3 policy family",
        id="nlb-tls-1-0",
    ),
    fire(
        "elb-https-listeners",
        edit(HTTP_LISTENER, defaultActions=FORWARD),
        "HTTP listener on port 80 serves traffic instead of redirecting to HTTPS",
        id="http-forward",
    ),
    fire(
        "elb-https-listeners",
        edit(
            HTTP_LISTENER,
            defaultActions=[
                {"type": "redirect", "redirect": {"protocol": "HTTP", "port": "8080", "statusCode": "HTTP_302"}}
            ],
        ),
        "HTTP listener on port 80",
        id="http-redirect-to-http",
    ),
    fire(
        "elb-https-listeners",
        retyped(edit(HTTP_LISTENER, defaultActions=FORWARD), "aws:alb/listener:Listener"),
        "HTTP listener on port 80",
        id="alb-module-listener",
    ),
    fire(
        "elb-drop-invalid-headers",
        drop(LB, "dropInvalidHeaderFields"),
        "dropInvalidHeaderFields is not true",
        id="unset",
    ),
    fire(
        "elb-drop-invalid-headers",
        drop(edit(LB, dropInvalidHeaderFields=False), "loadBalancerType"),
        "dropInvalidHeaderFields is not true",
        id="false-default-type-application",
    ),
    fire(
        "elb-drop-invalid-headers",
        retyped(drop(LB, "dropInvalidHeaderFields"), "aws:alb/loadBalancer:LoadBalancer"),
        "dropInvalidHeaderFields",
        id="alb-module",
    ),
    fire(
        "elb-deletion-protection",
        on(edit(LB, enableDeletionProtection=False), PROD),
        "enableDeletionProtection is not true in environment prod",
        id="prod-false",
    ),
    fire(
        "elb-deletion-protection",
        on(drop(LB, "enableDeletionProtection"), PROD),
        "environment prod",
        id="prod-unset",
    ),
    fire(
        "elb-deletion-protection",
        on(drop(LB, "enableDeletionProtection"), {**PROD, "defaultTags": {"tags": {"environment": "prod"}}}),
        "environment prod",
        id="prod-default-tags-as-object",
    ),
    fire("elb-multi-az", edit(LB, subnets=[PRIVATE_SUBNETS[0]]), "spans 1 subnet(s)", id="one-subnet"),
    fire("elb-multi-az", drop(LB, "subnets"), "spans 0 subnet(s)", id="no-subnets"),
]


PASSING = [
    *compliant_cases(RULES),
    passes("elb-access-logs", drop(LB, "accessLogs"), id="dev-may-keep-them-off"),
    passes("elb-access-logs", on(LB, PROD), id="prod-with-logs"),
    passes("elb-access-logs", on(edit(LB, loadBalancerType="gateway", accessLogs=None), PROD), id="gateway"),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06"),
        id="tls13-1-3",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, sslPolicy="ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"),
        id="tls13-1-2-fips",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TLS", sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06"),
        id="nlb-tls-1-2",
    ),
    passes(
        "elb-https-listeners",
        edit(HTTPS_LISTENER, protocol="TCP", port=9000, defaultActions=FORWARD, sslPolicy=None),
        id="nlb-tcp",
    ),
    passes(
        "elb-drop-invalid-headers",
        drop(edit(LB, loadBalancerType="network", internal=True), "dropInvalidHeaderFields"),
        id="network-load-balancer",
    ),
    passes("elb-deletion-protection", drop(LB, "enableDeletionProtection"), id="dev"),
    passes("elb-deletion-protection", on(drop(LB, "enableDeletionProtection"), provider("staging")), id="staging"),
    passes("elb-deletion-protection", on(drop(LB, "enableDeletionProtection"), {}), id="no-provider"),
    passes("elb-deletion-protection", on(edit(LB, enableDeletionProtection="true"), PROD), id="prod-string-true"),
    passes(
        "elb-multi-az",
        drop(
            edit(LB, subnetMappings=[{"subnetId": PRIVATE_SUBNETS[0]}, {"subnetId": PRIVATE_SUBNETS[1]}]),
            "subnets",
        ),
        id="subnet-mappings",
    ),
]


@pytest.mark.parametrize("case", FIRING)
def test_rule_fires(case: Case) -> None:
    check_fires(case)


@pytest.mark.parametrize("case", PASSING)
def test_rule_passes(case: Case) -> None:
    check_passes(case)


# --- Cases that once were rule bugs ---


def test_listener_without_protocol_is_checked_as_http() -> None:
    listener = drop(edit(HTTP_LISTENER, defaultActions=FORWARD), "protocol")
    (finding,) = run("elb-https-listeners", listener)
    assert "HTTP listener on port 80" in finding.message
