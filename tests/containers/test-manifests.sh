#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks containers/: yamllint on every YAML file, the structural check of the
# Kubernetes manifests (check-manifests.py), and the ConfigMap's balie.conf
# with the real `balie --check-config`. No cluster and no network needed.
# Usage: test-manifests.sh BALIE SOURCE_DIR
set -euo pipefail

balie=$1
src=$2
if ! command -v yamllint > /dev/null || ! /usr/bin/python3 -c 'import yaml' 2> /dev/null; then
  echo "SKIP: yamllint or python3-yaml is missing (scripts/install-deps.sh --test installs them)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

yamllint -s -d '{extends: default, rules: {line-length: {max: 120}, document-start: disable}}' \
  "$src/containers/kubernetes" "$src/containers/compose.yaml"
echo "ok - yamllint"
/usr/bin/python3 "$(dirname "$0")/check-manifests.py" "$src/containers/kubernetes"
echo "ok - manifest structure"

# The Kubernetes API's JSON schemas (npm kubernetes-models): every document, and a broken one.
to_json() { # FILE... → one JSON array of the documents, each with its file under "__file"
  /usr/bin/python3 -c '
import json, sys, yaml
docs = []
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc:
            doc["__file"] = path.rsplit("/", 1)[-1]
            docs.append(doc)
json.dump(docs, sys.stdout)' "$@"
}
if [ -d "$src/node_modules/kubernetes-models" ] && command -v node > /dev/null; then
  to_json "$src"/containers/kubernetes/*.yaml > "$work/manifests.json"
  (cd "$src" && node tests/containers/schema-check.mjs < "$work/manifests.json") ||
    { echo "FAIL: the Kubernetes manifests do not match the API schemas"; exit 1; }
  sed 's/containerPort: 8443/containerPort: "8443"/; s/replicas: \([0-9]*\)/replicas: many/' \
    "$src/containers/kubernetes/deployment.yaml" > "$work/schema-bad.yaml"
  to_json "$work/schema-bad.yaml" > "$work/schema-bad.json"
  if (cd "$src" && node tests/containers/schema-check.mjs < "$work/schema-bad.json") > "$work/bad.out"; then
    echo "FAIL: the schema check accepted a broken deployment"; exit 1
  fi
  grep -q 'must be integer' "$work/bad.out" || { echo "FAIL: schema check said: $(cat "$work/bad.out")"; exit 1; }
  echo "ok - the schema check rejects a broken deployment"
else
  echo "FAIL: node_modules/kubernetes-models is missing (npm ci)"; exit 1
fi
# The check must be able to fail: a grace period below the drain time, a wrong probe path.
mkdir "$work/bad"
cp "$src"/containers/kubernetes/*.yaml "$work/bad/"
sed -i 's/terminationGracePeriodSeconds: .*/terminationGracePeriodSeconds: 100/; s|path: /readyz|path: /healthz|' \
  "$work/bad/deployment.yaml"
if /usr/bin/python3 "$(dirname "$0")/check-manifests.py" "$work/bad" 2> "$work/bad.err"; then
  echo "FAIL: check-manifests.py accepted a broken deployment"; exit 1
fi
grep -q 'must exceed drain_seconds' "$work/bad.err" && grep -q 'must be /readyz' "$work/bad.err" ||
  { echo "FAIL: check-manifests.py messages: $(cat "$work/bad.err")"; exit 1; }
echo "ok - manifest check rejects a broken deployment"

# The ConfigMap's config file, with its secret files replaced by test ones.
/usr/bin/python3 - "$src/containers/kubernetes/configmap.yaml" "$work" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
conf = doc["data"]["balie.conf"]
for key, path in (("/etc/balie/secrets/", sys.argv[2] + "/"), ("/etc/balie/tls/", sys.argv[2] + "/")):
    conf = conf.replace(key, path)
open(sys.argv[2] + "/balie.conf", "w").write(conf)
PY
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token.key"
echo "host=127.0.0.1 dbname=balie" > "$work/postgres.conninfo"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/turn.secret"
[ "$(env -i PATH="$PATH" "$balie" --config "$work/balie.conf" --check-config)" = "config OK" ] ||
  { echo "FAIL: the ConfigMap's balie.conf does not pass --check-config"; exit 1; }
echo "ok - ConfigMap balie.conf passes balie --check-config"
