// SPDX-License-Identifier: Apache-2.0
// Validates Kubernetes manifests against the Kubernetes API's JSON schemas (the
// npm package kubernetes-models, generated from the upstream OpenAPI
// definitions; no cluster and no network). Input: a JSON array of the
// documents on stdin, each with the file it came from under "__file"
// (test-manifests.sh converts the YAML). Prints one line per document and
// exits 1 if any document is unknown or invalid.
import { readFileSync } from 'node:fs';

const docs = JSON.parse(readFileSync(0, 'utf8'));
let failed = 0;

for (const doc of docs) {
  const file = doc.__file;
  delete doc.__file;
  const where = `${file}: ${doc.kind}/${doc.metadata?.name}`;
  // "apps/v1" → apps/v1, "v1" (the core group) → v1.
  const path = `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
  let Model;
  try {
    ({ [doc.kind]: Model } = await import(path));
  } catch {
    console.log(`not ok - ${where}: no schema for ${doc.apiVersion} ${doc.kind}`);
    failed++;
    continue;
  }
  try {
    new Model(doc).validate();
    console.log(`ok - ${where} matches the ${doc.apiVersion} ${doc.kind} schema`);
  } catch (err) {
    console.log(`not ok - ${where}: ${err.message}`);
    failed++;
  }
}
if (docs.length === 0) {
  console.log('not ok - no documents');
  failed++;
}
process.exit(failed > 0 ? 1 : 0);
