# syntax=docker/dockerfile:1
# The GPU silo: `turbo silo` (Orleans silo + one GPU worker) on a CUDA host, one container per GPU.
#   docker build -f deploy/docker/silo-cuda.Dockerfile -t turbodiffusion/silo-cuda:dev .
# It carries the bundle of deploy/publish-gpu.sh, libturbo_kernels.so built by native/build-and-test.sh, the CUDA
# libtorch of PyTorch's torch==2.11.0+cu130 wheel with the nvidia-* libraries it links, and ffmpeg (docs/deploy.md).
# The host needs an NVIDIA driver for CUDA 13.0 (580 or newer) and the NVIDIA container toolkit.

# Each base is an exact tag; override any of them with --build-arg (e.g. a digest-pinned mirror).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.115-noble
ARG CUDA_DEVEL_IMAGE=nvidia/cuda:13.0.2-devel-ubuntu24.04
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:13.0.2-base-ubuntu24.04

FROM ${DOTNET_SDK_IMAGE} AS publish
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    deploy/publish-gpu.sh --unpacked /out && chmod -R a+rX /out/turbo

FROM ${CUDA_DEVEL_IMAGE} AS kernels
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential cmake \
 && rm -rf /var/lib/apt/lists/*
# Hopper (sm_90a: wgmma/TMA paths), Ampere and Ada: the architectures the kernels are tuned and tested for.
ARG TURBO_CUDA_ARCHITECTURES="90a;80;89"
ENV CUDACXX=/usr/local/cuda/bin/nvcc
WORKDIR /src
COPY native/ native/
# The build of GPU hosts without ctest: the builder has no GPU; the kernels' tests run on GPU hosts (docs/gpu.md).
RUN native/build-and-test.sh --no-test /build "-DTURBO_CUDA_ARCHITECTURES=${TURBO_CUDA_ARCHITECTURES}"

FROM ${CUDA_RUNTIME_IMAGE} AS torch
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv binutils \
 && rm -rf /var/lib/apt/lists/*
ARG TORCH_VERSION=2.11.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu130
RUN --mount=type=cache,target=/root/.cache/pip \
    python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"
# Only libtorch and the wheels its RUNPATH names ($ORIGIN/../../nvidia/..., ...) are kept, at the same places
# relative to each other, so the CUDA libraries resolve as in the Python install; no interpreter is needed at run time.
RUN set -eu; \
    site=$(/opt/venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
    mkdir -p /opt/torch/torch; \
    cp -a "$site/torch/lib" "$site/torch/version.py" /opt/torch/torch/; \
    for package in $(readelf -d "$site"/torch/lib/*.so | grep -o '\$ORIGIN/\.\./\.\./[^/:]*' | sed 's|.*/||' | sort -u); do \
      if [ -d "$site/$package" ]; then cp -a "$site/$package" /opt/torch/; fi; \
    done; \
    chmod -R a+rX /opt/torch

FROM ${CUDA_RUNTIME_IMAGE}
ARG CUDA_RUNTIME_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="turbodiffusion-silo-cuda" \
      org.opencontainers.image.description="TurboDiffusion Farm GPU silo: Orleans silo with one CUDA GPU worker (turbo silo)" \
      org.opencontainers.image.vendor="TurboDiffusion Farm" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${CUDA_RUNTIME_IMAGE}"

# ffmpeg writes the MP4s (libx264); curl is the health check's client; the rest is what a self-contained .NET
# application needs from the OS (globalization is invariant, so no ICU).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl ffmpeg libssl3t64 libstdc++6 tzdata zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 turbo \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/turbo --shell /usr/sbin/nologin turbo \
 && install -d -o turbo -g turbo /var/lib/turbo

COPY --from=torch /opt/torch /opt/torch
COPY --from=publish /out/turbo /app
COPY --from=kernels /build/libturbo_kernels.so /app/libturbo_kernels.so

# Every library the engine loads must resolve inside the image; only the driver's own (mounted by the container
# toolkit at run time) may be missing here.
RUN set -eu; \
    missing=$(for lib in /opt/torch/torch/lib/libc10.so /opt/torch/torch/lib/libtorch_cpu.so /opt/torch/torch/lib/libc10_cuda.so \
                         /opt/torch/torch/lib/libtorch_cuda.so /opt/torch/torch/lib/libtorch.so /app/libturbo_kernels.so; do \
                ldd "$lib" | grep 'not found' | grep -v -e 'libcuda\.so' -e 'libnvidia-ml\.so' || true; \
              done); \
    if [ -n "$missing" ]; then echo "unresolved libraries:"; echo "$missing"; exit 1; fi

# The libtorch above is the only one searched (no Python in the image); the kernels sit next to turbo, where the
# engine looks by default. TURBO_SETTINGS stays unset: settings come from the environment or appsettings.json here.
ENV Turbo__Engine__LibTorchDir=/opt/torch/torch/lib \
    DOTNET_RUNNING_IN_CONTAINER=true \
    HOME=/home/turbo \
    TMPDIR=/tmp
WORKDIR /var/lib/turbo
USER 10001:10001

# 8481: health and metrics; 11111: silo-to-silo; 30000: Orleans clients (gateways).
EXPOSE 8481 11111 30000
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null", "http://127.0.0.1:8481/health/live"]
ENTRYPOINT ["/app/turbo"]
CMD ["silo"]
