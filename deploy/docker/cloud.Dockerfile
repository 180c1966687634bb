# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/cloud.Dockerfile -t fleet-cloud .
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet publish src/Cloud.Node -c Release -a $TARGETARCH --self-contained false -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
RUN mkdir -p /var/lib/fleet && chown app:app /var/lib/fleet
USER app
EXPOSE 4053 5080 4443
# Flags come from the container's args (Kubernetes) or FLEET_CLOUD_ARGS (docker run --env-file).
ENTRYPOINT ["/bin/sh", "-c", "exec dotnet /app/fleet-cloud.dll \"$@\" $FLEET_CLOUD_ARGS", "--"]
CMD ["agent"]
