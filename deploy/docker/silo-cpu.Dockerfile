# syntax=docker/dockerfile:1
# The CPU silo: `turbo silo` (Orleans silo + one worker on the CPU) with the libtorch-cpu package, for the built-in
# tiny model, development farms (deploy/compose.yaml) and tests; real models need the CUDA silo.
#   docker build -f deploy/docker/silo-cpu.Dockerfile -t turbodiffusion/silo-cpu:dev .
# It carries the bundle of `deploy/publish.sh --target cpu` and ffmpeg (docs/deploy.md).

# Each base is an exact tag; override any of them with --build-arg (e.g. a digest-pinned mirror).
# .NET 10's images are Ubuntu (no Debian variant); 24.04's C++ runtime has the GLIBCXX_3.4.32 TorchSharp's glue asks for.
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.115-noble
ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0.15-noble

FROM ${DOTNET_SDK_IMAGE} AS publish
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    deploy/publish.sh --target cpu --unpacked /out && chmod -R a+rX /out/turbo

FROM ${RUNTIME_DEPS_IMAGE}
ARG RUNTIME_DEPS_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="turbodiffusion-silo-cpu" \
      org.opencontainers.image.description="TurboDiffusion Farm CPU silo: Orleans silo with one CPU worker (turbo silo), libtorch-cpu" \
      org.opencontainers.image.vendor="TurboDiffusion Farm" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_DEPS_IMAGE}"

# ffmpeg writes the MP4s (libx264); curl is the health check's client (the base has neither).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 turbo \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/turbo --shell /usr/sbin/nologin turbo \
 && install -d -o turbo -g turbo /var/lib/turbo

COPY --from=publish /out/turbo /app

# No Python here: the engine finds the libtorch-cpu package next to turbo. TURBO_SETTINGS stays unset: settings
# come from the environment or appsettings.json in the working directory.
# ASPNETCORE_HTTP_PORTS is emptied: the base image's 8080 default would compete with Turbo:Http:Urls.
ENV HOME=/home/turbo \
    TMPDIR=/tmp \
    ASPNETCORE_HTTP_PORTS=
WORKDIR /var/lib/turbo
USER 10001:10001

# 8481: health and metrics; 11111: silo-to-silo; 30000: Orleans clients (gateways).
EXPOSE 8481 11111 30000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null", "http://127.0.0.1:8481/health/live"]
ENTRYPOINT ["/app/turbo"]
CMD ["silo"]
