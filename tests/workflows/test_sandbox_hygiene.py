"""The workflow modules load nothing third-party but temporalio and pydantic.

A stray top-level import of FastAPI or asyncpg in a workflow file is re-imported inside the
sandbox for every workflow run and makes each workflow task about ten times slower.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig

ALLOWED = {
    # the pass-through list and what they bring along
    "temporalio", "pydantic", "pydantic_core", "annotated_types", "typing_extensions",
    "typing_inspection", "google", "nexusrpc",
    # first party, deterministic
    "workflows", "core",
}  # fmt: skip

PROBE = """
import json, sys
before = set(sys.modules)
import temporalio.workflow, pydantic  # the pass-through list itself
baseline = set(sys.modules)
import workflows.assignment, workflows.notification, workflows.policy, workflows.types
after = set(sys.modules)
print(json.dumps({"baseline": sorted(baseline - before), "added": sorted(after - baseline)}))
"""


def _third_party(names: list[str]) -> set[str]:
    stdlib = set(sys.stdlib_module_names)
    tops = {n.split(".")[0] for n in names}
    return {t for t in tops if t not in stdlib and not t.startswith("_")}


def test_workflow_modules_import_only_the_pass_through_list() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    added = json.loads(out)["added"]
    stray = _third_party(added) - ALLOWED
    assert not stray, f"workflow modules load third-party modules: {sorted(stray)}"
    assert not any(n.split(".")[0] == "activities" for n in added), "activities imported"
    assert sysconfig.get_paths()["purelib"]  # the probe ran in this venv's interpreter
