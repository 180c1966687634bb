#!/usr/bin/env bash
# ./fleet demo: one cloud node (control, render, gateway) and three enrolled devices as separate processes on loopback.
# Each device enrols with a one-time code and keeps one gRPC stream to the gateway (mutual TLS); none joins the cluster.
set -euo pipefail
: "${FLEET_CLOUD_DLL:?run through ./fleet demo}" "${FLEET_EDGE_DLL:?run through ./fleet demo}"
DEMO="$(mktemp -d /tmp/fleet-demo.XXXXXX)"
PORT="${FLEET_DEMO_PORT:-4053}"; HTTP="${FLEET_DEMO_HTTP:-5080}"; GATEWAY="${FLEET_DEMO_GATEWAY:-4443}"
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

say "creating the fleet CA and starting the cloud node (remoting 127.0.0.1:$PORT, API $API, device gateway 127.0.0.1:$GATEWAY)"
dotnet "$FLEET_CLOUD_DLL" ca init --data "$DEMO/cloud" >/dev/null
dotnet "$FLEET_CLOUD_DLL" agent --port "$PORT" --http "$HTTP" --gateway-port "$GATEWAY" --data "$DEMO/cloud" >"$DEMO/cloud.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 120); do cloud devices >/dev/null 2>&1 && break; sleep 0.5; done

CAMPAIGN="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/samples/summer-sale"
DEVICES=(kiosk-berlin kiosk-lisbon screen-oslo)
declare -A TAGS=([kiosk-berlin]="store=berlin,hw=pi5" [kiosk-lisbon]="store=lisbon,hw=pi5" [screen-oslo]="store=oslo,hw=pi5-hat")
declare -A LOCAL=([kiosk-berlin]=$((HTTP + 11)) [kiosk-lisbon]=$((HTTP + 12)) [screen-oslo]=$((HTTP + 13)))
declare -A CONTEXT=(
  [kiosk-berlin]='{"locale":"de-DE","daypart":"morning","weather":"cloudy","interests":["coffee"],"fields":{"price":"4,50 €"}}'
  [kiosk-lisbon]='{"locale":"pt-PT","daypart":"afternoon","weather":"hot","interests":["drinks"],"fields":{"price":"2,90 €"}}'
  [screen-oslo]='{"locale":"nb-NO","daypart":"evening","weather":"rain","interests":["indoor","fashion"],"fields":{"price":"129 kr"}}'
)
for dev in "${DEVICES[@]}"; do
  # The operator issues a one-time code with the device's tags; the device makes its own key and redeems the code.
  code=$(cloud enroll --device-id "$dev" --tags "${TAGS[$dev]}" --code --json | sed -n 's/^  "code": "\(.*\)",$/\1/p')
  dotnet "$FLEET_EDGE_DLL" enroll --code "$code" --api "$API" --data "$DEMO/$dev" >/dev/null
  say "enrolled $dev; starting it (local API 127.0.0.1:${LOCAL[$dev]})"
  dotnet "$FLEET_EDGE_DLL" agent --data "$DEMO/$dev" --http "${LOCAL[$dev]}" --telemetry-seal 2 >"$DEMO/$dev.log" 2>&1 &
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
"$CAMPAIGN/make-assets.sh" >/dev/null
say "publishing $CAMPAIGN and assigning it to every device"
t0=$(date +%s%N)
cloud campaign publish "$CAMPAIGN"
cloud campaign assign summer-sale
if ! cloud campaign status summer-sale --wait-version 1 --devices 3 --timeout 60 >/dev/null; then
  say "not every device picked the campaign up; logs:"; tail -n 5 "$DEMO"/*.log; exit 1
fi
say "publish -> all three devices running summer-sale v1 in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
cloud campaign status summer-sale
say "publishing again with the same content is a no-op:"
cloud campaign publish "$CAMPAIGN"
echo
say "kiosk player pages (open one in a browser; it loops ads rendered on that device; FLEET_DEMO_KEEP=1 keeps the fleet up):"
for dev in "${DEVICES[@]}"; do
  player="http://127.0.0.1:${LOCAL[$dev]}/player?${TAGS[$dev]%%,*}"
  # Read the whole page first: grep -q stopping early would make curl fail with SIGPIPE under pipefail.
  page=$(curl -sf "$player" || true)
  grep -q '<title>Fleet player</title>' <<<"$page" || { say "$dev does not serve its player page at $player"; exit 1; }
  echo "  $dev  $player"
done
echo
console=$(curl -sf "$API/console" || true)
grep -q '<title>Fleet console</title>' <<<"$console" || { say "the cloud does not serve its console at $API/console"; exit 1; }
say "operator console: $API/console  (sign in with the admin token in $DEMO/cloud/admin.token: $(cat "$DEMO/cloud/admin.token"))"
echo
say "each device renders one personalised ad from its synced, verified copy for its own context (each version was prepared and warmed as it went into force: template, copy embeddings, waiting ffmpeg steps)"
for dev in "${DEVICES[@]}"; do
  row=$(dotnet "$FLEET_EDGE_DLL" render --agent "http://127.0.0.1:${LOCAL[$dev]}" --context "${CONTEXT[$dev]}" --brief 2>&1) || row="FAILED: $row"
  echo "  $dev  ${CONTEXT[$dev]}"
  echo "      -> $row"
done
echo
say "render delegation: kiosk-berlin (renders up to 720p itself) asks for the 1080p variant; a cloud render worker makes it"
say "(the worker prepares the 1080p template on its first job, so this one takes longer than the next would)"
row=$(dotnet "$FLEET_EDGE_DLL" render --agent "http://127.0.0.1:${LOCAL[kiosk-berlin]}" --context "${CONTEXT[kiosk-berlin]}" \
  --resolution 1080p --brief 2>&1) || row="FAILED: $row"
echo "  kiosk-berlin  1080p -> $row"
url="${row##*| }"
if [[ "$url" == http* ]]; then
  size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$url" 2>/dev/null || true)
  say "the MP4 on the device ($url) is ${size:-unreadable}"
fi
say "hybrid mode: kiosk-lisbon asks for 1080p with mode hybrid; the cloud worker makes the campaign's 1080p base once,"
say "the device draws its personalised ranges on it itself"
row=$(dotnet "$FLEET_EDGE_DLL" render --agent "http://127.0.0.1:${LOCAL[kiosk-lisbon]}" --context "${CONTEXT[kiosk-lisbon]}" \
  --resolution 1080p --mode hybrid --brief 2>&1) || row="FAILED: $row"
echo "  kiosk-lisbon  1080p hybrid -> $row"
cloud renders
echo
say "telemetry reported by the devices (fleet-cloud telemetry --since 10m; the demo devices seal a window every 2 s)"
for i in $(seq 1 40); do
  cloud telemetry --since 10m 2>/dev/null | grep -q "no renders reported" || break
  sleep 0.5
done
cloud telemetry --since 10m || say "telemetry is not available"
echo
# Canary rollout: a v2 with new default copy is published staged (no device gets it yet), then rolled out to 34 %
# of the fleet and on to 100 % as the gates pass on the devices' own renders and telemetry.
say "canary rollout: publishing summer-sale v2 (new default copy) staged, then rolling it out 34 % -> 100 %"
cp -r "$CAMPAIGN" "$DEMO/summer-sale-v2"
sed -i 's/"headline": "Summer Sale at SunCo"/"headline": "Last days of the Summer Sale"/' "$DEMO/summer-sale-v2/campaign.json"
cloud campaign publish "$DEMO/summer-sale-v2" --staged
cloud rollout start --artifact campaign:summer-sale@2 --stages 34,100 --bake 3s --min-samples 2 \
  --gate 'success>=0.9' --gate 'fallback<=0.5' --reason "demo: new default copy"
# Every device renders for its own context until rollout $1 ends: the gates judge the canary on these renders. They skip
# the cache (a replayed clip is counted but not timed, and the p95 gate compares render times of both cohorts) and are
# spaced a little, as a kiosk spaces its ads: three devices and the cloud share this machine's cores.
rollout_until_done() {
  local status=running
  for i in $(seq 1 60); do
    for dev in "${DEVICES[@]}"; do
      dotnet "$FLEET_EDGE_DLL" render --agent "http://127.0.0.1:${LOCAL[$dev]}" --context "${CONTEXT[$dev]}" --no-cache --brief >/dev/null 2>&1 || true
      sleep 0.3
    done
    status=$(cloud rollout status "$1" --json | sed -n 's/^  "status": "\(.*\)",$/\1/p')
    case "$status" in completed|rolled-back|aborted|paused) break ;; esac
  done
  cloud rollout status "$1"
  [ "$status" = "completed" ] || { say "rollout $1 ended $status"; exit 1; }
}
rollout_until_done r1
cloud campaign status summer-sale
echo
# The devices' model, quantised to INT8 weights (a quarter of the size, the copy it picks checked against fp32 on the
# campaign's texts), goes out the same way: one device first, its renders gated against the fp32 devices'.
say "INT8 model canary: quantising the device model, publishing it as all-minilm-l6-v2 1.1.0, rolling it out 33 % (one device) -> 100 %"
dotnet "$FLEET_CLOUD_DLL" model quantize "$(dirname "$FLEET_EDGE_DLL")/models/all-MiniLM-L6-v2/model.onnx" --out "$DEMO/int8/model.onnx" \
  --campaign "$CAMPAIGN" --plan weight-only
cloud model publish "$DEMO/int8/model.onnx" --name all-minilm-l6-v2 --version 1.1.0
# Four timed renders of each cohort at least: the p95 of two is their maximum.
cloud rollout start --artifact model:all-minilm-l6-v2@1.1.0 --stages 33,100 --bake 3s --min-samples 4 \
  --gate 'success>=0.9' --gate 'p95<=2x' --gate 'load-errors<=0' --reason "demo: int8 model"
rollout_until_done r2
echo
if [ "${FLEET_DEMO_KEEP:-}" = "1" ]; then
  say "FLEET_DEMO_KEEP=1: the cloud and devices stay up (player pages above) until Ctrl-C"
  wait
fi
say "stopping devices and cloud"
