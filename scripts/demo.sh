#!/usr/bin/env bash
# ./fleet demo: one cloud node and three devices as separate processes on loopback.
set -euo pipefail
: "${FLEET_CLOUD_DLL:?run through ./fleet demo}" "${FLEET_EDGE_DLL:?run through ./fleet demo}"
DEMO="$(mktemp -d /tmp/fleet-demo.XXXXXX)"
PORT="${FLEET_DEMO_PORT:-4053}"; HTTP="${FLEET_DEMO_HTTP:-5080}"
API="http://127.0.0.1:$HTTP"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$DEMO"
}
trap cleanup EXIT
say() { echo "demo: $*"; }
cloud() { dotnet "$FLEET_CLOUD_DLL" "$@" --api "$API" --data "$DEMO/cloud"; }

say "starting the cloud node (remoting 127.0.0.1:$PORT, API $API, data $DEMO/cloud)"
dotnet "$FLEET_CLOUD_DLL" agent --port "$PORT" --http "$HTTP" --data "$DEMO/cloud" >"$DEMO/cloud.log" 2>&1 &
PIDS+=($!)

declare -A TAGS=([kiosk-berlin]="store=berlin,hw=pi5" [kiosk-lisbon]="store=lisbon,hw=pi5" [screen-oslo]="store=oslo,hw=pi5-hat")
for dev in kiosk-berlin kiosk-lisbon screen-oslo; do
  say "starting device $dev"
  dotnet "$FLEET_EDGE_DLL" agent --seed "akka.tcp://fleet@127.0.0.1:$PORT" --device-id "$dev" \
    --data "$DEMO/$dev" --tags "${TAGS[$dev]}" >"$DEMO/$dev.log" 2>&1 &
  PIDS+=($!)
done

say "waiting for all three devices to register"
for i in $(seq 1 120); do
  up=$(cloud devices --json 2>/dev/null | grep -c '"connectivity": "up"' || true)
  [ "$up" = "3" ] && break
  sleep 0.5
done
if [ "${up:-0}" != "3" ]; then
  say "only ${up:-0} of 3 devices registered in time; logs:"; tail -n 5 "$DEMO"/*.log; exit 1
fi
echo
cloud devices
echo
# Renders come from the render pipeline; until it lands here the table may show none.
say "telemetry reported by the devices (fleet-cloud telemetry --since 10m)"
cloud telemetry --since 10m || say "telemetry is not available"
echo
say "stopping devices and cloud"
