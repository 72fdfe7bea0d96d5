# syntax=docker/dockerfile:1
# The gateway: `turbo gateway` (REST API /v1, SSE, dashboard, webhook dispatcher) as an Orleans client of the
# silos; stateless, so any number run behind one load balancer.
#   docker build -f deploy/docker/gateway.Dockerfile -t turbodiffusion/gateway:dev .
# It carries the bundle of `deploy/publish.sh --target gateway`: no libtorch at all (docs/deploy.md).

# Each base is an exact tag; override any of them with --build-arg (e.g. a digest-pinned mirror).
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.115-noble
ARG RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0.15-noble

FROM ${DOTNET_SDK_IMAGE} AS publish
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.nuget/packages \
    deploy/publish.sh --target gateway --unpacked /out && chmod -R a+rX /out/turbo

FROM ${RUNTIME_DEPS_IMAGE}
ARG RUNTIME_DEPS_IMAGE
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="turbodiffusion-gateway" \
      org.opencontainers.image.description="TurboDiffusion Farm gateway: REST API, SSE, dashboard and webhooks (turbo gateway)" \
      org.opencontainers.image.vendor="TurboDiffusion Farm" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_DEPS_IMAGE}"

# curl is the health check's client (the base has none); ffmpeg takes the first frame of a video for its poster
# (GET /v1/jobs/{id}/poster, the dashboard's thumbnails).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 turbo \
 && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/turbo --shell /usr/sbin/nologin turbo \
 && install -d -o turbo -g turbo /var/lib/turbo

COPY --from=publish /out/turbo /app

# TURBO_SETTINGS stays unset: settings come from the environment or appsettings.json in the working directory.
# ASPNETCORE_HTTP_PORTS is emptied: the base image's 8080 default would compete with Turbo:Http:Urls.
ENV HOME=/home/turbo \
    TMPDIR=/tmp \
    ASPNETCORE_HTTP_PORTS=
WORKDIR /var/lib/turbo
USER 10001:10001

# 8480: REST API, dashboard, health and metrics.
EXPOSE 8480
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["curl", "--fail", "--silent", "--show-error", "--max-time", "4", "--output", "/dev/null", "http://127.0.0.1:8480/healthz"]
ENTRYPOINT ["/app/turbo"]
CMD ["gateway"]
