#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Offline structural validation of deploy/kubernetes/ (needs PyYAML).

No cluster and no OpenAPI schema are available in CI, so this checks what a
server-side dry run would catch for these objects, plus this project's own
requirements: apiVersion/kind pairs, required fields per kind, field names
against allow-lists (typos), selectors that match their pods, port names and
numbers, hostNetwork/hostPID, minimal capabilities, non-root, read-only root
filesystem, resources, the Service/ServiceMonitor wiring and the job name,
and that the PrometheusRule carries exactly the plain rules file's groups.

usage: k8s_validate.py REPO [--rules-out FILE]
Prints one line per check; exits 1 on the first failures.
"""

import argparse
import pathlib
import re
import sys

import yaml

API = {
    "Namespace": "v1",
    "Service": "v1",
    "DaemonSet": "apps/v1",
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
    "Kustomization": "kustomize.config.k8s.io/v1beta1",
}
POD_SPEC_KEYS = {
    "nodeSelector", "tolerations", "hostNetwork", "hostPID", "dnsPolicy",
    "automountServiceAccountToken", "enableServiceLinks", "priorityClassName",
    "terminationGracePeriodSeconds", "securityContext", "containers",
    "volumes", "serviceAccountName",
}
CONTAINER_KEYS = {
    "name", "image", "imagePullPolicy", "command", "args", "ports",
    "securityContext", "resources", "livenessProbe", "readinessProbe",
    "volumeMounts", "env",
}
CONTAINER_SECURITY_KEYS = {
    "allowPrivilegeEscalation", "readOnlyRootFilesystem", "privileged",
    "capabilities", "runAsNonRoot", "runAsUser", "runAsGroup",
    "seccompProfile", "windowsOptions",
}
POD_SECURITY_KEYS = {
    "runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile",
    "windowsOptions", "fsGroup",
}
PROBE_KEYS = {"httpGet", "periodSeconds", "timeoutSeconds",
              "initialDelaySeconds", "failureThreshold"}
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PORT_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
EXPORTER_PORT = 19152
JOB = "ephemeral_port"

failures = []


def check(condition, what):
    print(("   ok: " if condition else "FAIL: ") + what)
    if not condition:
        failures.append(what)
    return condition


def quantity(value):
    """Kubernetes quantity (cpu or memory) as a float in base units."""
    text = str(value)
    suffixes = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30,
                "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix, factor in suffixes.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def only_keys(mapping, allowed, where):
    unknown = set(mapping) - allowed
    check(not unknown, f"{where}: no unknown fields {sorted(unknown) or ''}")


def check_metadata(doc, where, namespace):
    meta = doc.get("metadata") or {}
    name = meta.get("name", "")
    check(bool(NAME_RE.match(name)) and len(name) <= 63,
          f"{where}: metadata.name '{name}' is a DNS label")
    if doc["kind"] != "Namespace":
        check(meta.get("namespace") == namespace,
              f"{where}: in namespace {namespace}")
    labels = meta.get("labels") or {}
    check(labels.get("app.kubernetes.io/name") == "ephemeral-port-exporter",
          f"{where}: labelled app.kubernetes.io/name")


def check_container_common(c, where, host_network):
    only_keys(c, CONTAINER_KEYS, where)
    check(bool(c.get("image")) and ":" in c["image"] and
          not c["image"].endswith(":latest"),
          f"{where}: image pinned to a tag ({c.get('image')})")
    ports = c.get("ports") or []
    names = set()
    for p in ports:
        n, num = p.get("name", ""), p.get("containerPort")
        check(bool(PORT_NAME_RE.match(n)) and len(n) <= 15,
              f"{where}: port name '{n}' valid (IANA_SVC_NAME)")
        check(isinstance(num, int) and 0 < num < 65536,
              f"{where}: containerPort {num} valid")
        check(p.get("protocol", "TCP") in ("TCP", "UDP", "SCTP"),
              f"{where}: port protocol")
        if host_network:
            check(p.get("hostPort") == num,
                  f"{where}: hostPort == containerPort under hostNetwork")
        names.add(n)
    check(any(p.get("containerPort") == EXPORTER_PORT for p in ports),
          f"{where}: exposes {EXPORTER_PORT}")
    listen = [a for a in c.get("args", []) if a.startswith("--web.listen-address=")]
    check(listen == [f"--web.listen-address=:{EXPORTER_PORT}"],
          f"{where}: listens on :{EXPORTER_PORT} like the port it declares")
    res = c.get("resources") or {}
    for kind in ("cpu", "memory"):
        req = (res.get("requests") or {}).get(kind)
        lim = (res.get("limits") or {}).get(kind)
        check(req is not None and lim is not None and
              quantity(req) <= quantity(lim),
              f"{where}: {kind} request {req} <= limit {lim}")
    for probe_name in ("livenessProbe", "readinessProbe"):
        probe = c.get(probe_name)
        if probe is None:
            continue
        only_keys(probe, PROBE_KEYS, f"{where} {probe_name}")
        port = (probe.get("httpGet") or {}).get("port")
        check(port in names or port == EXPORTER_PORT,
              f"{where}: {probe_name} port '{port}' is a declared port")
    return names


def check_daemonset(doc, where, image_paths):
    spec = doc.get("spec") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    check(bool(selector) and all(labels.get(k) == v for k, v in selector.items()),
          f"{where}: selector {selector} matches the pod template labels")
    pod = template.get("spec") or {}
    only_keys(pod, POD_SPEC_KEYS, f"{where} pod spec")
    only_keys(pod.get("securityContext") or {}, POD_SECURITY_KEYS,
              f"{where} pod securityContext")
    containers = pod.get("containers") or []
    check(len(containers) == 1, f"{where}: one container")
    os_name = (pod.get("nodeSelector") or {}).get("kubernetes.io/os")
    check(os_name in ("linux", "windows"), f"{where}: nodeSelector kubernetes.io/os={os_name}")
    check(pod.get("hostNetwork") is True, f"{where}: hostNetwork (sees the node's sockets)")
    pod_sc = pod.get("securityContext") or {}
    port_names = set()
    for c in containers:
        cwhere = f"{where} container {c.get('name')}"
        port_names |= check_container_common(c, cwhere, True)
        sc = c.get("securityContext") or {}
        only_keys(sc, CONTAINER_SECURITY_KEYS, f"{cwhere} securityContext")
        if os_name == "linux":
            check(pod.get("hostPID") is True, f"{where}: hostPID (sees the node's processes)")
            check(pod.get("dnsPolicy") == "ClusterFirstWithHostNet",
                  f"{where}: dnsPolicy ClusterFirstWithHostNet with hostNetwork")
            non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
            uid = sc.get("runAsUser", pod_sc.get("runAsUser"))
            check(non_root is True and isinstance(uid, int) and uid > 0,
                  f"{where}: runAsNonRoot with fixed uid {uid}")
            check(sc.get("readOnlyRootFilesystem") is True, f"{cwhere}: readOnlyRootFilesystem")
            check(sc.get("privileged") in (None, False), f"{cwhere}: not privileged")
            caps = sc.get("capabilities") or {}
            check(caps.get("drop") == ["ALL"], f"{cwhere}: drops ALL capabilities")
            check(sorted(caps.get("add") or []) == ["DAC_READ_SEARCH", "SYS_PTRACE"],
                  f"{cwhere}: adds exactly SYS_PTRACE, DAC_READ_SEARCH")
            seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {})
            check(seccomp.get("type") == "RuntimeDefault", f"{cwhere}: seccomp RuntimeDefault")
            for v in pod.get("volumes") or []:
                path = (v.get("hostPath") or {}).get("path")
                check(path is None or path == "/proc",
                      f"{where}: hostPath volume {path} is only /proc")
            for m in c.get("volumeMounts") or []:
                check(m.get("readOnly") is True, f"{cwhere}: mount {m.get('mountPath')} read-only")
            command = (c.get("command") or [None])[0]
            check(command in image_paths,
                  f"{cwhere}: command {command} exists in the image built by deploy/container")
        else:
            win = pod_sc.get("windowsOptions") or {}
            check(win.get("hostProcess") is True, f"{where}: HostProcess pod")
            check(bool(win.get("runAsUserName")),
                  f"{where}: runAsUserName {win.get('runAsUserName')!r}")
            check("hostPID" not in pod, f"{where}: no hostPID (not a Windows field)")
            check(str((c.get("command") or [""])[0]).startswith("%CONTAINER_SANDBOX_MOUNT_POINT%"),
                  f"{cwhere}: command under %CONTAINER_SANDBOX_MOUNT_POINT%")
    return labels, port_names


def check_service(doc, where, pod_labels, pod_ports):
    spec = doc.get("spec") or {}
    check(spec.get("clusterIP") == "None", f"{where}: headless (clusterIP: None)")
    selector = spec.get("selector") or {}
    for name, labels in pod_labels.items():
        check(all(labels.get(k) == v for k, v in selector.items()),
              f"{where}: selector {selector} selects {name}'s pods")
    names = set()
    for p in spec.get("ports") or []:
        check(p.get("port") == EXPORTER_PORT, f"{where}: port {p.get('port')}")
        target = p.get("targetPort")
        for name, ports in pod_ports.items():
            check(target in ports or target == EXPORTER_PORT,
                  f"{where}: targetPort '{target}' is a port of {name}")
        names.add(p.get("name"))
    return names


def check_servicemonitor(doc, where, service, service_ports, namespace):
    spec = doc.get("spec") or {}
    match = (spec.get("selector") or {}).get("matchLabels") or {}
    svc_labels = service["metadata"].get("labels") or {}
    check(bool(match) and all(svc_labels.get(k) == v for k, v in match.items()),
          f"{where}: selector {match} matches the Service labels")
    check(namespace in ((spec.get("namespaceSelector") or {}).get("matchNames") or []),
          f"{where}: namespaceSelector includes {namespace}")
    for ep in spec.get("endpoints") or []:
        check(ep.get("port") in service_ports, f"{where}: endpoint port '{ep.get('port')}' is a Service port name")
        jobs = [r for r in ep.get("relabelings") or []
                if r.get("targetLabel") == "job"]
        check(len(jobs) == 1 and jobs[0].get("replacement") == JOB,
              f"{where}: job relabelled to {JOB} (the rules' job)")
        interval = quantity(str(ep.get("interval", "30s")).rstrip("s"))
        timeout = quantity(str(ep.get("scrapeTimeout", "10s")).rstrip("s"))
        check(timeout <= interval, f"{where}: scrapeTimeout <= interval")


def names_of(groups):
    return sorted((r.get("record") or "", r.get("alert") or "")
                  for g in groups for r in g.get("rules") or [])


def check_prometheusrule(doc, where, rules_file, rules_out):
    plain = yaml.safe_load(rules_file.read_text())
    groups = (doc.get("spec") or {}).get("groups")
    check(groups == plain.get("groups"),
          f"{where}: spec.groups identical to {rules_file.name} "
          f"({sum(len(g['rules']) for g in plain['groups'])} rules)")
    check(names_of(groups or []) == names_of(plain["groups"]),
          f"{where}: same record/alert names as {rules_file.name}")
    if rules_out:
        pathlib.Path(rules_out).write_text(yaml.safe_dump({"groups": groups}))


def image_paths(repo):
    """Paths the image build script puts the binaries at."""
    text = (repo / "deploy/container/build_image.sh").read_text()
    return set(re.findall(r"^(?:plain|capped)_bin=(\S+)$", text, re.M))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--rules-out", help="write the PrometheusRule's groups here")
    args = parser.parse_args()
    repo = pathlib.Path(args.repo)
    kdir = repo / "deploy/kubernetes"

    kust = yaml.safe_load((kdir / "kustomization.yaml").read_text())
    check(kust.get("apiVersion") == API["Kustomization"], "kustomization apiVersion")
    files = sorted(p.name for p in kdir.glob("*.yaml") if p.name != "kustomization.yaml")
    check(sorted(kust.get("resources") or []) == files,
          f"kustomization lists every manifest: {files}")

    docs = []
    for name in files:
        for i, doc in enumerate(yaml.safe_load_all((kdir / name).read_text())):
            if doc is None:
                continue
            where = f"{name}[{i}] {doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            check(API.get(doc.get("kind")) == doc.get("apiVersion"),
                  f"{where}: apiVersion {doc.get('apiVersion')} for kind {doc.get('kind')}")
            docs.append((where, doc))

    by_kind = {}
    for where, doc in docs:
        by_kind.setdefault(doc["kind"], []).append((where, doc))
    namespaces = [d["metadata"]["name"] for _, d in by_kind.get("Namespace", [])]
    check(len(namespaces) == 1, f"one Namespace: {namespaces}")
    namespace = namespaces[0]
    ns_labels = by_kind["Namespace"][0][1]["metadata"].get("labels") or {}
    check(ns_labels.get("pod-security.kubernetes.io/enforce") == "privileged",
          "namespace admits hostNetwork/hostPID (Pod Security level privileged)")
    for where, doc in docs:
        check_metadata(doc, where, namespace)

    paths = image_paths(repo)
    pod_labels, pod_ports = {}, {}
    for where, doc in by_kind.get("DaemonSet", []):
        pod_labels[where], pod_ports[where] = check_daemonset(doc, where, paths)
    os_kinds = sorted((d["spec"]["template"]["spec"].get("nodeSelector") or {})
                      .get("kubernetes.io/os", "") for _, d in by_kind.get("DaemonSet", []))
    check(os_kinds == ["linux", "windows"], f"DaemonSets for linux and windows nodes: {os_kinds}")

    services = by_kind.get("Service", [])
    check(len(services) == 1, "one Service")
    service_ports = check_service(services[0][1], services[0][0], pod_labels, pod_ports)
    for where, doc in by_kind.get("ServiceMonitor", []):
        check_servicemonitor(doc, where, services[0][1], service_ports, namespace)
    check(len(by_kind.get("ServiceMonitor", [])) == 1, "one ServiceMonitor")
    rules = by_kind.get("PrometheusRule", [])
    check(len(rules) == 1, "one PrometheusRule")
    for where, doc in rules:
        check_prometheusrule(doc, where, repo / "deploy/prometheus/ephemeral-port-rules.yml",
                             args.rules_out)

    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
