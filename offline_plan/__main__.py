"""``python -m offline_plan --stack dev``: print the offline plan and write build/plan-<stack>.json."""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from pathlib import Path

import pulumi

from offline_plan.insights import DEFAULT_WARN_USD, build, markdown, summary_lines
from offline_plan.recorder import PROJECT, ROOT, engine_config, run_stack, stack_config
from offline_plan.summary import render
from policy.guardrails.offline import evaluate
from policy.guardrails.offline import render as render_guardrails
from settings import parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="offline_plan", description=__doc__)
    parser.add_argument("--stack", default="dev", help="stack name: reads Pulumi.<stack>.yaml (default dev)")
    parser.add_argument("--stack-file", help="read config from this file instead of Pulumi.<stack>.yaml")
    parser.add_argument("--out", default=str(ROOT / "build"), help="directory for plan-<stack>.json (default build/)")
    parser.add_argument(
        "--project-dir",
        default=str(ROOT),
        help="another Pulumi project to plan, e.g. deployment (default: this project)",
    )
    args = parser.parse_args(argv)
    # The SDKs' modules are imported: keep the collector off them for the run (tests/conftest.py measures it).
    gc.freeze()
    root = Path(args.project_dir).resolve()
    if root != ROOT:
        # The other project's modules (e.g. deploy_settings) import from its own directory.
        sys.path.insert(0, str(root))

    started = time.perf_counter()
    try:
        config = stack_config(args.stack, root, path=Path(args.stack_file) if args.stack_file else None)
        plan = run_stack(args.stack, config, strict=False, root=root)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except pulumi.RunError as err:  # every settings layer raises a RunError subclass
        print(f"error: {err}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started

    settings = None
    if root == ROOT:
        # The same parse the program ran, for the key-choices section of the summary.
        encoded, _ = engine_config(config)
        ours = {k: v for k, v in encoded.items() if k.startswith(f"{PROJECT}:")}
        settings = parse(ours, home_region=encoded.get("aws:region"), stack=args.stack)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"plan-{args.stack}.json"
    recorded = plan.to_json()
    # Cost, deploy time and diagram (docs/insights.md); pure functions of the recorded plan.
    warn = settings.config.insights.cost_increase_warn_usd if settings is not None else DEFAULT_WARN_USD
    recorded["insights"] = build(recorded, warn)
    path.write_text(json.dumps(recorded, indent=2, sort_keys=False) + "\n")
    path.with_suffix(".md").write_text(markdown(recorded))
    print(render(plan, settings))
    print()
    print("\n".join(summary_lines(recorded)))
    # The policy pack's own policy objects, run on what was just recorded (policy/guardrails/offline.py).
    print()
    print(render_guardrails(evaluate(recorded)))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    print(f"\nWrote {shown} and {shown.with_suffix('.md')} in {elapsed:.2f}s")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The SDK's mock monitor leaves an asyncio loop in each gRPC worker thread; letting
    # the interpreter collect them at shutdown sometimes prints a spurious traceback.
    os._exit(code)
