# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/cloud.Dockerfile -t fleet-cloud .
# One image for control, gateway and render nodes. Base images: pin them by digest for a release with
# deploy/docker/pin-base-images.sh (it resolves the tags below and rewrites these defaults to NAME:TAG@sha256:...).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# Restore from the project files alone, so a source change reuses the package layer.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Shared/Shared.csproj src/Shared/
COPY src/Cloud.Node/Cloud.Node.csproj src/Cloud.Node/
RUN dotnet restore src/Cloud.Node -a $TARGETARCH
COPY schemas/ schemas/
COPY src/Shared/ src/Shared/
COPY src/Cloud.Node/ src/Cloud.Node/
RUN dotnet publish src/Cloud.Node -c Release -a $TARGETARCH --self-contained false --no-restore -o /app

FROM ${RUNTIME_IMAGE}
# Render workers run ffmpeg and espeak-ng; curl is the HEALTHCHECK's client.
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg espeak-ng curl && rm -rf /var/lib/apt/lists/*
# NVENC needs the driver's video capability inside the container (the NVIDIA runtime mounts only what is listed).
ENV NVIDIA_DRIVER_CAPABILITIES=compute,video,utility
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /var/lib/fleet && chown app:app /var/lib/fleet
USER app
EXPOSE 4053 5080 4443
# Liveness of the API on this node; -k because the node's certificate is issued by the fleet CA, not a public one.
ENV FLEET_HEALTH_URL=http://127.0.0.1:5080/healthz
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsSk "$FLEET_HEALTH_URL" || exit 1
# Flags come from the container's args (Kubernetes) or FLEET_CLOUD_ARGS (docker run --env-file).
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet /app/fleet-cloud.dll \"$@\" $FLEET_CLOUD_ARGS", "--"]
CMD ["agent"]
