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

# Campaigns: publish the sample once; every device fetches, verifies and swaps it in by itself.
SAMPLE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/samples/summer-sale"
"$SAMPLE/make-assets.sh" >/dev/null
say "publishing $SAMPLE and assigning it to every device"
t0=$(date +%s%N)
cloud campaign publish "$SAMPLE"
cloud campaign assign summer-sale
if ! cloud campaign status summer-sale --wait-version 1 --devices 3 --timeout 60 >/dev/null; then
  say "not every device picked the campaign up; logs:"; tail -n 5 "$DEMO"/*.log; exit 1
fi
say "publish -> all three devices running summer-sale v1 in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
cloud campaign status summer-sale
say "publishing again with the same content is a no-op:"
cloud campaign publish "$SAMPLE"
for dev in kiosk-berlin kiosk-lisbon screen-oslo; do
  synced="$DEMO/$dev/manifests/campaigns/summer-sale/v1"
  say "$dev renders from its verified copy ($synced):"
  dotnet "$FLEET_EDGE_DLL" template prepare --campaign "$synced" --cache "$DEMO/$dev/prepared" | head -n 1
done
echo
say "stopping devices and cloud"
