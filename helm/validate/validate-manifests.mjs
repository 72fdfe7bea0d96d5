// Checks rendered manifests offline against the Kubernetes API types, the way an API server with strict field
// validation would: each document must be a known apiVersion/kind, pass the kind's JSON schema (types, required
// fields, formats, enums) and carry no field the kind does not define.
//
// Schemas and types come from the kubernetes-models packages (core API groups, KEDA, Prometheus operator); the
// unknown-field walk reads their TypeScript declarations with the TypeScript compiler, since the compiled JSON
// schemas accept any extra property.
//
// usage: node validate-manifests.mjs FILE...   (multi-document YAML; prints one line per file, exits 1 on errors)
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import ts from "typescript";

const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");

// apiVersion group -> package of its kinds; the core groups come from kubernetes-models.
const packages = {
  "keda.sh": "@kubernetes-models/keda",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

// The package whose folder `<apiVersion>` (e.g. apps/v1, v1) holds the kind.
function packageOf(apiVersion) {
  const slash = apiVersion.indexOf("/");
  return packages[slash < 0 ? "" : apiVersion.slice(0, slash)] ?? "kubernetes-models";
}

const documents = [];
const problems = [];
for (const file of process.argv.slice(2)) {
  let count = 0;
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length > 0) {
      problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const value = doc.toJS();
    if (value === null || value === undefined) continue;
    count++;
    documents.push({ file, value });
  }
  if (count === 0) problems.push(`${file}: no Kubernetes objects`);
}

// One program over every kind's declarations, so the checker resolves shared types once.
const kinds = new Map();
for (const { file, value } of documents) {
  const { apiVersion, kind, metadata } = value;
  const where = `${file}: ${kind ?? "?"} ${metadata?.name ?? "?"}`;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof metadata?.name !== "string") {
    problems.push(`${where}: apiVersion, kind and metadata.name are required`);
    continue;
  }
  const key = `${apiVersion} ${kind}`;
  if (!kinds.has(key)) {
    const pkg = packageOf(apiVersion);
    kinds.set(key, { pkg, declaration: join(modules, pkg, apiVersion, `${kind}.d.ts`) });
  }
}

const program = ts.createProgram({
  rootNames: [...kinds.values()].map((k) => k.declaration),
  options: {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  },
});
const checker = program.getTypeChecker();

function interfaceOf(kind, declaration) {
  const source = program.getSourceFile(declaration);
  if (!source) return undefined;
  const symbol = checker.getSymbolAtLocation(source);
  const exported = symbol && checker.getExportsOfModule(symbol).find((s) => s.name === `I${kind}`);
  return exported && checker.getDeclaredTypeOfSymbol(exported);
}

const isOpen = (type) => (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;
const members = (type) => (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));

// Reports fields that no member of `type` declares; values' own types are left to the JSON schema.
function unknownFields(value, type, path, out) {
  const candidates = members(type);
  if (candidates.some(isOpen)) return;
  if (Array.isArray(value)) {
    const element = candidates.map((t) => t.getNumberIndexType()).find(Boolean);
    if (element) value.forEach((item, i) => unknownFields(item, element, `${path}[${i}]`, out));
    return;
  }
  if (value === null || typeof value !== "object") return;
  const objects = candidates.filter((t) => t.flags & ts.TypeFlags.Object || t.isIntersection());
  if (objects.length === 0) return;
  const mapped = objects.map((t) => t.getStringIndexType()).find(Boolean);
  for (const [key, child] of Object.entries(value)) {
    const property = objects.map((t) => checker.getPropertyOfType(t, key)).find(Boolean);
    if (property) {
      const declaration = property.valueDeclaration ?? property.declarations?.[0];
      const childType = declaration ? checker.getTypeOfSymbolAtLocation(property, declaration) : undefined;
      if (childType) unknownFields(child, childType, `${path}.${key}`, out);
    } else if (mapped) {
      unknownFields(child, mapped, `${path}.${key}`, out);
    } else {
      out.push(`${path}.${key}: unknown field`);
    }
  }
}

const checked = new Map();
for (const { file, value } of documents) {
  const { apiVersion, kind, metadata } = value;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || typeof metadata?.name !== "string") continue;
  const where = `${file}: ${kind} ${metadata.name}`;
  const { pkg, declaration } = kinds.get(`${apiVersion} ${kind}`);
  let model;
  try {
    model = (await import(`${pkg}/${apiVersion}`))[kind];
  } catch {
    model = undefined;
  }
  const type = interfaceOf(kind, declaration);
  if (!model || !type) {
    problems.push(`${where}: ${apiVersion} ${kind} is not a known Kubernetes type`);
    continue;
  }
  try {
    new model(value).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
  const unknown = [];
  unknownFields(value, type, "", unknown);
  for (const field of unknown) problems.push(`${where}: ${field.slice(1)}`);
  checked.set(file, (checked.get(file) ?? 0) + 1);
}

for (const [file, count] of checked) console.log(`${file}: ${count} objects checked`);
for (const problem of problems) console.error(`error: ${problem}`);
process.exit(problems.length > 0 ? 1 : 0);
