"""The production topology in docker-compose.yml holds together (no Docker engine needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.settings import Settings

ROOT = Path(__file__).parent.parent.parent
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_every_part_of_the_topology_is_there(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "temporal", "temporal-ui", "migrate", "api", "worker"} <= set(services)
    for name in ("api", "worker", "migrate"):
        command = services[name].get("command")
        text = " ".join(command) if isinstance(command, list) else str(command)
        assert name in text, (name, command)


def test_services_start_after_what_they_need(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("api", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert {"temporal", "temporal-namespace"} & set(needs)
    for name, service in services.items():
        for needed, how in (service.get("depends_on") or {}).items():
            assert needed in services, (name, needed)
            if how.get("condition") == "service_healthy":
                assert "healthcheck" in services[needed], needed


def test_the_engine_reads_only_settings_it_knows() -> None:
    known = {f"LIFECYCLE_{name.upper()}" for name in Settings.model_fields}
    used = set(re.findall(r"\bLIFECYCLE_[A-Z_]+\b", COMPOSE.read_text()))
    compose_only = {"LIFECYCLE_VERSION"}  # the image tag
    assert used - known - compose_only == set()


@pytest.mark.skipif(
    shutil.which("docker") is None
    or subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0,
    reason="docker compose is not installed on this machine",
)
def test_docker_compose_accepts_it() -> None:
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
