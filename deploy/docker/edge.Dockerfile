# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/edge.Dockerfile -t fleet-edge .
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet publish src/Edge.Node -c Release -a $TARGETARCH --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg espeak-ng && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /var/lib/fleet-edge && chown app:app /var/lib/fleet-edge
USER app
VOLUME /var/lib/fleet-edge
# Enrol once: docker run -v fleet-edge:/var/lib/fleet-edge fleet-edge enroll --code CODE --api URL --data /var/lib/fleet-edge
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet /app/fleet-edge.dll \"$@\" $FLEET_EDGE_ARGS", "--"]
CMD ["agent", "--data", "/var/lib/fleet-edge"]
