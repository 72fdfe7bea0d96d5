#!/usr/bin/env bash
# The README's test command. On a fresh Debian 12 machine (as root, or with sudo) it installs what the
# tests use (ffmpeg, Redis, Chromium and chromedriver from Debian, Azurite from npm), starts Redis and
# Azurite on loopback unless they already answer, and runs every test project with `dotnet test`.
# Services it starts keep running afterwards, so a second run starts at once.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "== packages"
# chromium + chromium-driver: the dashboard's browser test drives Debian's headless Chromium.
packages=(redis-server ffmpeg chromium chromium-driver)
command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

state="${TMPDIR:-/tmp}/turbodiffusion-test-services"
mkdir -p "$state"

echo "== azurite"
if [ ! -x "$state/azurite/node_modules/.bin/azurite-blob" ]; then
  npm install --silent --no-audit --no-fund --prefix "$state/azurite" azurite@3.37.0 >/dev/null
fi

echo "== services"
redis_port=6379
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes \
    --logfile "$state/redis.log"
fi

blob_port=10000
if ! (exec 3<>"/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null; then
  # Azure.Storage.Blobs 12.30 sends a newer REST version than Azurite 3.37 knows.
  nohup "$state/azurite/node_modules/.bin/azurite-blob" --blobHost 127.0.0.1 --blobPort "$blob_port" \
    --location "$state/azurite-data" --skipApiVersionCheck --silent >"$state/azurite.log" 2>&1 &
fi

for _ in $(seq 1 60); do
  if redis-cli -p "$redis_port" ping >/dev/null 2>&1 && (exec 3<>"/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null; then
    break
  fi
  sleep 1
done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis-server did not start; see $state/redis.log"; exit 1; }
(exec 3<>"/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null || { echo "azurite did not start; see $state/azurite.log"; exit 1; }

# Where tests find the services (documented in README, Tests).
export Turbo__Test__Redis="127.0.0.1:$redis_port"
export Turbo__Test__Blob="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$blob_port/devstoreaccount1;"

echo "== tests"
# One test project at a time: the farm, gateway and CLI suites run real farms and renders with time limits, and on
# a two-core machine five of them side by side starve each other into timeouts.
dotnet test --max-parallel-test-modules 1 "$@"
