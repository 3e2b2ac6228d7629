#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Structural check of containers/kubernetes/*.yaml (no cluster, no network).

The API schemas themselves are checked by schema-check.mjs (npm
kubernetes-models); this checks what Balie needs: every document has a known
apiVersion/kind and a name; field types of the parts used; selectors match
labels; probes point at /readyz and /healthz on a declared port; the preStop
hook and terminationGracePeriodSeconds exceed drain_seconds; volumes that are
mounted exist; every ConfigMap/Secret referenced is defined. Exits 1 with one
line per problem. Usage: check-manifests.py DIR
"""
import configparser
import pathlib
import sys

import yaml

KNOWN = {("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"),
         ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet")}
problems = []


def need(cond, where, what):
    if not cond:
        problems.append(f"{where}: {what}")
    return cond


def typed(obj, key, kind, where):
    value = obj.get(key) if isinstance(obj, dict) else None
    need(isinstance(value, kind), where, f"{key} must be a {kind.__name__}")
    return value if isinstance(value, kind) else kind()


def check_container(c, where, pod_volumes, drain):
    typed(c, "name", str, where)
    typed(c, "image", str, where)
    ports = {p.get("name"): p for p in c.get("ports", [])}
    for p in ports.values():
        need(isinstance(p.get("containerPort"), int) and 0 < p["containerPort"] < 65536,
             where, f"port {p.get('name')}: containerPort")
        need(p.get("protocol", "TCP") in ("TCP", "UDP", "SCTP"), where, "protocol")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe in c:
            get = c[probe].get("httpGet")
            if get is not None:
                need(get.get("port") in ports or isinstance(get.get("port"), int), where,
                     f"{probe} port {get.get('port')} is not declared")
                need(get.get("scheme", "HTTP") in ("HTTP", "HTTPS"), where, f"{probe} scheme")
    for mount in c.get("volumeMounts", []):
        need(mount.get("name") in pod_volumes, where, f"volumeMount {mount.get('name')} has no volume")
        need(str(mount.get("mountPath", "")).startswith("/"), where, "mountPath must be absolute")
    return ports


def main(directory):
    docs = []
    for path in sorted(pathlib.Path(directory).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    defined = {(d["kind"], d.get("metadata", {}).get("name")) for _, d in docs if isinstance(d, dict)}
    drain = None
    for name, d in docs:
        where = f"{name} {d.get('kind')}/{d.get('metadata', {}).get('name')}"
        need((d.get("apiVersion"), d.get("kind")) in KNOWN, where, "unknown apiVersion/kind")
        need(isinstance(d.get("metadata", {}).get("name"), str), where, "metadata.name")
        if d.get("kind") == "ConfigMap" and "balie.conf" in d.get("data", {}):
            conf = configparser.ConfigParser()
            conf.read_string(d["data"]["balie.conf"])
            drain = conf.getint("server", "drain_seconds", fallback=60)
    for name, d in docs:
        where = f"{name} {d.get('kind')}/{d.get('metadata', {}).get('name')}"
        kind = d.get("kind")
        if kind in ("Deployment", "StatefulSet"):
            spec = typed(d, "spec", dict, where)
            selector = typed(spec, "selector", dict, where).get("matchLabels", {})
            template = typed(spec, "template", dict, where)
            labels = template.get("metadata", {}).get("labels", {})
            need(selector and all(labels.get(k) == v for k, v in selector.items()), where,
                 "selector does not match the template labels")
            pod = typed(template, "spec", dict, where)
            volumes = {v.get("name"): v for v in pod.get("volumes", [])}
            for v in volumes.values():
                for ref, key in (("configMap", "name"), ("secret", "secretName")):
                    if ref in v:
                        want = "ConfigMap" if ref == "configMap" else "Secret"
                        need((want, v[ref].get(key)) in defined or v[ref].get(key) == "balie-tls",
                             where, f"volume {v.get('name')}: {want} {v[ref].get(key)} is not defined")
            if kind == "StatefulSet":
                volumes.update({t["metadata"]["name"]: t for t in spec.get("volumeClaimTemplates", [])})
            for c in typed(pod, "containers", list, where):
                check_container(c, f"{where} container {c.get('name')}", volumes, drain)
            if d["metadata"]["name"] == "balie":
                c = pod["containers"][0]
                need(c.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/readyz",
                     where, "readiness probe must be /readyz")
                need(c.get("livenessProbe", {}).get("httpGet", {}).get("path") == "/healthz",
                     where, "liveness probe must be /healthz")
                need("preStop" in c.get("lifecycle", {}), where, "no preStop hook")
                grace = pod.get("terminationGracePeriodSeconds", 30)
                need(drain is not None and grace > drain, where,
                     f"terminationGracePeriodSeconds {grace} must exceed drain_seconds {drain}")
                need(pod.get("securityContext", {}).get("runAsNonRoot") is True, where, "runAsNonRoot")
        if kind == "Service":
            spec = typed(d, "spec", dict, where)
            selector = spec.get("selector", {})
            targets = [t for _, t in docs if t.get("kind") in ("Deployment", "StatefulSet") and
                       all(t["spec"]["template"]["metadata"]["labels"].get(k) == v
                           for k, v in selector.items())]
            need(targets, where, "selector matches no workload")
            for p in spec.get("ports", []):
                need(isinstance(p.get("port"), int), where, "port must be a number")
                if isinstance(p.get("targetPort"), str) and targets:
                    names = {q.get("name") for t in targets
                             for c in t["spec"]["template"]["spec"]["containers"]
                             for q in c.get("ports", [])}
                    need(p["targetPort"] in names, where, f"targetPort {p['targetPort']} not declared")
        if kind == "Secret":
            need(d.get("type") in ("Opaque", "kubernetes.io/tls"), where, "Secret type")
    for p in problems:
        print(f"check-manifests: {p}", file=sys.stderr)
    print(f"check-manifests: {len(docs)} documents, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
