"""The deployment files in deploy/ have the properties issue 9 asks for.

No container engine or cluster runs here: these tests read the files. bin/deploy-validate
checks them against the real tools' schemas (hadolint, docker-compose config, nginx -t,
kubernetes-validate).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KEYS = ["SECRET_KEY", "ENCRYPTION_KEYS", "INDEX_KEY", "AUDIT_KEY", "METRICS_TOKEN"]
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|build-essential|make|node|nodejs|npm|npx|yarn)\b")


# --- Dockerfile -------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [value for kw, value in self.instructions if kw == keyword]


def dockerfile_stages(text: str) -> list[Stage]:
    """Stages with their instructions; continuation lines joined, comments dropped, global
    ARG defaults substituted into FROM."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, value = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ARG" and not stages and "=" in value:
            name, _, default = value.partition("=")
            args[name.strip()] = default.strip()
        elif keyword == "FROM":
            words = value.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], words[0])
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else ""
            stages.append(Stage(base=base, name=name))
        elif stages:
            stages[-1].instructions.append((keyword, value))
    return stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return dockerfile_stages((DEPLOY / "Dockerfile").read_text())


def test_image_is_multi_stage_on_pinned_bases(stages: list[Stage]) -> None:
    assert len(stages) >= 3, "node stage, Python builder, runtime"
    assert any(stage.base.startswith("node:") for stage in stages[:-1])
    assert stages[-1].base == "python:3.11-slim-bookworm"
    for stage in stages:
        repository, _, tag = stage.base.partition(":")
        assert tag and tag != "latest", f"{stage.base}: pin the base image by tag"


def test_final_stage_runs_as_fixed_non_root_user(stages: list[Stage]) -> None:
    users = stages[-1].all("USER")
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user.isdigit() and int(user) != 0, f"USER {users[-1]}: a numeric, non-root uid"


def test_final_stage_has_no_build_tools(stages: list[Stage]) -> None:
    final = stages[-1]
    for keyword, value in final.instructions:
        if keyword in {"RUN", "COPY", "ADD"}:
            assert not BUILD_TOOLS.search(value), f"{keyword} {value}: build tool in the image"
    assert not final.all("ADD")
    builder_names = {stage.name for stage in stages[:-1] if not stage.base.startswith("node:")}
    for copy in final.all("COPY"):
        source = re.search(r"--from=(\S+)", copy)
        if source:
            assert source.group(1) in builder_names, f"COPY {copy}: only from the Python builder"
        assert "node_modules" not in copy


def test_builder_installs_runtime_dependencies_compiles_and_collects(stages: list[Stage]) -> None:
    builder = next(s for s in stages[:-1] if s.base.startswith("python:"))
    runs = " ".join(builder.all("RUN"))
    assert "pip install" in runs
    assert "[dev]" not in runs and "optional-dependencies" not in runs
    assert "pybabel compile" in runs
    assert "collectstatic" in runs
    # Throw-away keys are made and removed within the one RUN: never in a layer.
    collect = next(run for run in builder.all("RUN") if "collectstatic" in run)
    assert "core.keygen" in collect and "rm -rf" in collect
    assert "PIP_NO_CACHE_DIR=1" in " ".join(builder.all("ENV"))


def test_final_stage_defaults(stages: list[Stage]) -> None:
    final = stages[-1]
    env = " ".join(final.all("ENV"))
    for setting in (
        "CASUSREGIE_MODE=production",
        "CASUSREGIE_VAR_DIR=/var/lib/casusregie",
        "STATIC_ROOT=",
        "LOG_FORMAT=json",
        "PYTHONUNBUFFERED=1",
        "PROMETHEUS_MULTIPROC_DIR=",
    ):
        assert setting in env, setting
    assert final.all("EXPOSE") == ["8000"]
    assert "gunicorn" in final.all("CMD")[-1] and "config.gunicorn" in final.all("CMD")[-1]
    healthcheck = final.all("HEALTHCHECK")[-1]
    assert "/health/live/" in healthcheck and "python" in healthcheck
    assert "curl" not in healthcheck and "wget" not in healthcheck
    runs = " ".join(final.all("RUN"))
    assert "/var/lib/casusregie" in runs and "chown" in runs


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    ignored = {
        line.strip()
        for line in (DEPLOY.parent / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".git", ".venv", "node_modules", "var", "staticfiles", "test-artefacts"):
        assert entry in ignored, entry
    assert "deploy" in ignored, "deploy/secrets must never enter the build context"


# --- compose ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def command_of(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def app_services(compose: dict[str, Any], role: str) -> list[str]:
    """Names of the services running the Casusregie image in a role."""
    found = []
    for name, service in compose["services"].items():
        if "CASUSREGIE_IMAGE" not in str(service.get("image", "")):
            continue
        command = command_of(service)
        if role == "web" and command.startswith("gunicorn"):
            found.append(name)
        elif role == "worker" and command.startswith("celery") and " worker" in command:
            found.append(name)
        elif role == "beat" and command.startswith("celery") and " beat" in command:
            found.append(name)
        elif role == "migrate" and "manage.py migrate" in command:
            found.append(name)
    return found


def test_compose_has_the_full_stack(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    assert services["nginx"]["image"].startswith("nginx:")
    for name, service in services.items():
        image = str(service["image"])
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image}"
    assert len(app_services(compose, "web")) == 2
    assert len(app_services(compose, "worker")) == 2
    assert len(app_services(compose, "beat")) == 1, "exactly one beat"
    assert len(app_services(compose, "migrate")) == 1
    for role in ("web", "worker", "beat"):
        for name in app_services(compose, role):
            assert "deploy" not in services[name] and "scale" not in services[name], name


def test_migrations_run_before_web_workers_and_beat(compose: dict[str, Any]) -> None:
    (migrate,) = app_services(compose, "migrate")
    assert compose["services"][migrate].get("restart") == "no"
    for role in ("web", "worker", "beat"):
        for name in app_services(compose, role):
            depends = compose["services"][name]["depends_on"]
            assert depends[migrate]["condition"] == "service_completed_successfully", name
            assert depends["postgres"]["condition"] == "service_healthy", name
    assert "healthcheck" in compose["services"]["postgres"]


def test_app_services_share_environment_and_key_secrets(compose: dict[str, Any]) -> None:
    roles = ("web", "worker", "beat", "migrate")
    names = [name for role in roles for name in app_services(compose, role)]
    environments = [compose["services"][name]["environment"] for name in names]
    assert all(env == environments[0] for env in environments), "one shared x- environment"
    env = environments[0]
    declared = compose["secrets"]
    for key in KEYS:
        secret = key.lower()
        assert env[f"{key}_FILE"] == f"/run/secrets/{secret}"
        assert key not in env, f"{key} only as a file"
        assert declared[secret]["file"] == f"./secrets/{secret}"
    for name, service in compose["services"].items():
        for secret in service.get("secrets", []):
            assert secret in declared, f"{name}: secret {secret} is not declared"
    for name in names:
        assert set(s.lower() for s in KEYS) <= set(compose["services"][name]["secrets"]), name
    ignore = (DEPLOY / "secrets" / ".gitignore").read_text().splitlines()
    assert "*" in ignore, "deploy/secrets/ is git-ignored"


def nginx_conf() -> str:
    return re.sub(r"#.*", "", (DEPLOY / "nginx" / "nginx.conf").read_text())


def test_nginx_balances_the_two_web_services(compose: dict[str, Any]) -> None:
    conf = nginx_conf()
    web = app_services(compose, "web")
    upstream = re.search(r"upstream\s+(\w+)\s*\{([^}]*)\}", conf)
    assert upstream, "an upstream block"
    servers = re.findall(r"server\s+([\w.-]+):(\d+)", upstream.group(2))
    assert sorted(servers) == sorted((name, "8000") for name in web)
    assert f"proxy_pass http://{upstream.group(1)};" in conf
    nginx = compose["services"]["nginx"]
    for name in web:
        assert nginx["depends_on"][name]["condition"] == "service_healthy"
        assert "edge" in compose["services"][name]["networks"]
    assert nginx["networks"] == ["edge"], "nginx reaches only the web containers"
    mounts = " ".join(nginx["volumes"])
    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf" in mounts


def test_nginx_forwards_headers_and_hides_metrics() -> None:
    conf = nginx_conf()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
        assert re.search(rf"proxy_set_header\s+{header}\s", conf), header
    blocks = re.findall(r"location\s+([=^~]*)\s*(/metrics/?)\s*\{([^}]*)\}", conf)
    assert {path for _, path, _ in blocks} == {"/metrics", "/metrics/"}
    assert all("return 404" in body for _, _, body in blocks)
    size = re.search(r"client_max_body_size\s+(\d+)m;", conf)
    assert size and 10 < int(size.group(1)) <= 20, "ATTACHMENT_MAX_MB 10 plus a margin"


def test_beat_keeps_its_schedule(compose: dict[str, Any]) -> None:
    (beat,) = app_services(compose, "beat")
    service = compose["services"][beat]
    assert "--schedule=/var/lib/casusregie/celerybeat-schedule" in command_of(service)
    assert any(v.endswith(":/var/lib/casusregie") for v in service["volumes"])


# --- Kubernetes -------------------------------------------------------------------------------

K8S = DEPLOY / "kubernetes"


def k8s_objects() -> Iterator[dict[str, Any]]:
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            yield from (doc for doc in yaml.safe_load_all(path.read_text()) if doc)


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return list(k8s_objects())


def find(objects: list[dict[str, Any]], kind: str, component: str | None = None) -> list[Any]:
    return [
        obj
        for obj in objects
        if obj["kind"] == kind
        and component in (None, obj["metadata"]["labels"].get("app.kubernetes.io/component"))
    ]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    (obj,) = [o for o in find(objects, kind) if o["metadata"]["name"] == name]
    return obj


def autoscaled(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Autoscalers by the name of the Deployment they scale."""
    hpas = find(objects, "HorizontalPodAutoscaler")
    return {hpa["spec"]["scaleTargetRef"]["name"]: hpa for hpa in hpas}


def workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return find(objects, "Deployment") + find(objects, "Job")


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec["containers"]) + list(spec.get("initContainers", []))


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == files - {"secret.example.yaml"}
    assert "secret.example.yaml" not in listed, "the template must never overwrite real keys"


def test_known_kinds_only(objects: list[dict[str, Any]]) -> None:
    known = {
        "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "Ingress", "Job",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "PersistentVolumeClaim",
    }  # fmt: skip
    assert {obj["kind"] for obj in objects} <= known


def test_web_probes_on_the_health_endpoints(objects: list[dict[str, Any]]) -> None:
    (web,) = find(objects, "Deployment", "web")
    (container,) = web["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live/"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready/"
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in ("livenessProbe", "readinessProbe"):
        port = container[probe]["httpGet"]["port"]
        assert ports.get(port, port) == 8000
    assert "gunicorn" in container["command"]


def test_worker_liveness_asks_its_own_node(objects: list[dict[str, Any]]) -> None:
    (worker,) = find(objects, "Deployment", "worker")
    (container,) = worker["spec"]["template"]["spec"]["containers"]
    assert container["command"][:5] == ["celery", "-A", "config", "-q", "worker"]
    probe = container["livenessProbe"]
    assert "inspect ping" in " ".join(probe["exec"]["command"])
    assert "$HOSTNAME" in " ".join(probe["exec"]["command"])
    assert probe["periodSeconds"] >= 30 and probe["timeoutSeconds"] >= 10


def test_every_container_has_resources_and_runs_locked_down(objects: list[dict[str, Any]]) -> None:
    assert len(workloads(objects)) == 4
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod.get("automountServiceAccountToken") is False
        for container in containers(workload):
            name = f"{workload['metadata']['name']}/{container['name']}"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]), name
            assert "memory" in resources["limits"], name
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert {"/tmp", "/var/lib/casusregie"} <= mounts, name  # noqa: S108 - emptyDir


def test_images_are_pinned_and_the_same(objects: list[dict[str, Any]]) -> None:
    images = {c["image"] for w in workloads(objects) for c in containers(w)}
    assert len(images) == 1, images
    (image,) = images
    name, _, tag = image.rpartition(":")
    assert name and "/" not in tag and tag and tag != "latest", image
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    for entry in kustomization.get("images", []):
        assert entry["name"] == name and entry.get("newTag") not in (None, "latest")


def test_keys_are_mounted_files_named_by_file_variables(objects: list[dict[str, Any]]) -> None:
    (config,) = find(objects, "ConfigMap")
    data = config["data"]
    keys_secret = named(objects, "Secret", "casusregie-keys")
    for key in KEYS:
        assert key not in data, f"{key} never in the ConfigMap"
        assert key.lower() in keys_secret["stringData"]
    folders = {str(Path(data[f"{key}_FILE"]).parent) for key in KEYS}
    assert len(folders) == 1
    (folder,) = folders
    for key in KEYS:
        assert Path(data[f"{key}_FILE"]).name == key.lower()
    for workload in workloads(objects):
        pod = workload["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        for container in containers(workload):
            assert {"configMapRef": {"name": config["metadata"]["name"]}} in container["envFrom"]
            (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == folder]
            volume = volumes[mount["name"]]
            sources = [s["secret"]["name"] for s in volume["projected"]["sources"]]
            assert "casusregie-keys" in sources, workload["metadata"]["name"]


def test_exactly_one_beat_never_two_during_a_rollout(objects: list[dict[str, Any]]) -> None:
    beats = [
        d
        for d in find(objects, "Deployment")
        if any(" beat" in " ".join(c["command"]) for c in containers(d))
    ]
    assert len(beats) == 1
    (beat,) = beats
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert beat["metadata"]["name"] not in autoscaled(objects)


def test_a_job_runs_the_migrations(objects: list[dict[str, Any]]) -> None:
    (job,) = find(objects, "Job")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_web_and_workers_scale_horizontally(objects: list[dict[str, Any]]) -> None:
    hpas = autoscaled(objects)
    for component in ("web", "worker"):
        (deployment,) = find(objects, "Deployment", component)
        name = deployment["metadata"]["name"]
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > 2
        # Left to the autoscaler (or at least its minimum).
        assert deployment["spec"].get("replicas", 2) >= 2


def test_web_has_a_disruption_budget_and_a_service(objects: list[dict[str, Any]]) -> None:
    (web,) = find(objects, "Deployment", "web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    budgets = find(objects, "PodDisruptionBudget")
    pdbs = [pdb for pdb in budgets if pdb["spec"]["selector"]["matchLabels"] == labels]
    assert pdbs and pdbs[0]["spec"]["minAvailable"] >= 1
    services = [s for s in find(objects, "Service") if s["spec"].get("selector") == labels]
    assert len(services) == 1


def test_ingress_never_passes_metrics_to_the_web_pods(objects: list[dict[str, Any]]) -> None:
    (ingress,) = find(objects, "Ingress")
    services = {s["metadata"]["name"]: s for s in find(objects, "Service")}
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    backends = {p["path"]: p["backend"]["service"]["name"] for p in paths}
    assert "/metrics" in backends, "/metrics is routed away explicitly"
    blocked = services[backends["/metrics"]]
    assert "selector" not in blocked["spec"], "a Service without pods"
    for path, name in backends.items():
        if path.startswith("/metrics"):
            assert "selector" not in services[name]["spec"]
        assert next(p for p in paths if p["path"] == path)["pathType"] in {"Prefix", "Exact"}
    assert ingress["spec"]["tls"]


def test_documented_commands_match_the_runtime_interface() -> None:
    """The compose and Kubernetes commands are the ones config/ provides."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    expected = {
        "gunicorn --config python:config.gunicorn config.wsgi:application",
        "celery -A config -q worker --loglevel=INFO --concurrency=2",
        "celery -A config -q beat --loglevel=INFO"
        " --schedule=/var/lib/casusregie/celerybeat-schedule",
        "python manage.py migrate --noinput",
    }
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    commands = {shlex.join(s["command"]) for s in compose["services"].values() if "command" in s}
    assert expected <= commands
    for command in expected:
        assert command in dockerfile
    assert (DEPLOY.parent / "config" / "gunicorn.py").exists()
