# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/edge.Dockerfile -t fleet-edge .
# Base images: pin them by digest for a release with deploy/docker/pin-base-images.sh.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
# Restore from the project files alone, so a source change reuses the package layer (the model package included).
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Shared/Shared.csproj src/Shared/
COPY src/Edge.Node/Edge.Node.csproj src/Edge.Node/
COPY src/Edge.Node/Personalisation/Model/ src/Edge.Node/Personalisation/Model/
RUN dotnet restore src/Edge.Node -a $TARGETARCH
COPY schemas/ schemas/
COPY src/Shared/ src/Shared/
COPY src/Edge.Node/ src/Edge.Node/
RUN dotnet publish src/Edge.Node -c Release -a $TARGETARCH --self-contained false --no-restore -o /app

FROM ${RUNTIME_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg espeak-ng curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /var/lib/fleet-edge && chown app:app /var/lib/fleet-edge
USER app
VOLUME /var/lib/fleet-edge
ENV FLEET_HEALTH_URL=http://127.0.0.1:8080/healthz
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsS "$FLEET_HEALTH_URL" || exit 1
# Enrol once: docker run -v fleet-edge:/var/lib/fleet-edge fleet-edge enroll --code CODE --api URL --data /var/lib/fleet-edge
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet /app/fleet-edge.dll \"$@\" $FLEET_EDGE_ARGS", "--"]
CMD ["agent", "--data", "/var/lib/fleet-edge", "--http", "8080"]
