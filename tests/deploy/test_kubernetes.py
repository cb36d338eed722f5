"""The Kubernetes manifests (issue 8) validate offline against the API schemas of a pinned
Kubernetes version (kubernetes-validate, strict: unknown fields are errors), and say what
the operations guide promises: probes, non-root read-only containers, one beat."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

KUBERNETES_VERSION = "1.31"
MANIFESTS = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
FILES = sorted(p for p in MANIFESTS.glob("*.yaml") if p.name != "kustomization.yaml")


def _documents() -> list[dict]:
    return [
        doc for path in FILES for doc in yaml.safe_load_all(path.read_text()) if doc is not None
    ]


def _by_kind_and_name() -> dict[tuple[str, str], dict]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in _documents()}


def _pod_spec(resource: dict) -> dict:
    return resource["spec"]["template"]["spec"]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_document_validates_strictly_against_the_pinned_kubernetes(path: Path):
    documents = [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    assert documents
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in FILES]


def test_the_deployment_has_every_resource_the_issue_names():
    kinds = {kind for kind, _ in _by_kind_and_name()}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
        "NetworkPolicy",
        "ConfigMap",
    } <= kinds
    names = {name for kind, name in _by_kind_and_name() if kind == "Deployment"}
    assert names == {"keyway-web", "keyway-worker", "keyway-beat"}


def test_web_probes_liveness_on_healthz_and_readiness_on_readyz():
    web = _by_kind_and_name()[("Deployment", "keyway-web")]
    [container] = _pod_spec(web)["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["limits"]["memory"]


def test_every_pod_runs_as_non_root_on_a_read_only_root_filesystem_with_secret_references():
    for (kind, name), resource in _by_kind_and_name().items():
        if kind not in {"Deployment", "Job"}:
            continue
        pod = _pod_spec(resource)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            sources = {next(iter(ref)) for ref in container["envFrom"]}
            assert sources == {"configMapRef", "secretRef"}, name


def test_no_secret_values_are_committed():
    assert not [doc for doc in _documents() if doc["kind"] == "Secret"]


def test_beat_runs_exactly_one_replica_and_is_recreated_not_rolled():
    beat = _by_kind_and_name()[("Deployment", "keyway-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"


def test_autoscaler_pdb_and_service_point_at_the_web_pods():
    resources = _by_kind_and_name()
    web_labels = resources[("Deployment", "keyway-web")]["spec"]["selector"]["matchLabels"]
    assert resources[("Service", "keyway-web")]["spec"]["selector"] == web_labels
    pdb = resources[("PodDisruptionBudget", "keyway-web")]
    assert pdb["spec"]["selector"]["matchLabels"] == web_labels
    hpa = resources[("HorizontalPodAutoscaler", "keyway-web")]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "keyway-web"
    assert hpa["spec"]["minReplicas"] >= 2


def test_a_misspelt_field_is_caught_by_the_validation():
    web = _by_kind_and_name()[("Deployment", "keyway-web")]
    broken = {**web, "spec": {**web["spec"], "replica": 3}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
