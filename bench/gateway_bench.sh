#!/bin/sh
# The gateway benchmark: starts a fake upstream and `ingot gateway` in front of it on loopback, then runs
# `ingot bench gateway` (tiny non-streaming chats straight to the upstream and through the gateway at each
# concurrency level: added p50/p99 latency, requests/s) and a soak of SOAK requests that reports the gateway's
# RSS. Usage: bench/gateway_bench.sh [BUILD_DIR] (env: CONCURRENCY=1,64,256 REQUESTS=5000 SOAK=100000).
set -eu
BUILD=${1:-build}
INGOT=$BUILD/src/cli/ingot
FAKE=$BUILD/src/gateway/ingot_fake_upstream
CONCURRENCY=${CONCURRENCY:-1,64,256}
REQUESTS=${REQUESTS:-5000}
SOAK=${SOAK:-100000}
DIR=$(mktemp -d)
FAKE_PID=
GW_PID=
cleanup() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null
  [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Enough threads on both sides for one connection per client at the top level, plus the gateway's pool.
"$FAKE" --name bench --threads 600 > "$DIR/fake.port" &
FAKE_PID=$!
while [ ! -s "$DIR/fake.port" ]; do sleep 0.05; done
UPSTREAM=http://127.0.0.1:$(cat "$DIR/fake.port")
cat > "$DIR/gateway.yaml" <<YAML
listen: {host: 127.0.0.1, port: 0}
http_threads: 272
models:
  bench: {upstream: {base_url: '$UPSTREAM'}}
YAML
: > "$DIR/gateway.log"
"$INGOT" gateway --config "$DIR/gateway.yaml" 2> "$DIR/gateway.log" &
GW_PID=$!
until grep -q "listening on" "$DIR/gateway.log"; do sleep 0.05; done
GATEWAY=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$DIR/gateway.log")
echo "upstream $UPSTREAM, gateway $GATEWAY (pid $GW_PID); load: $(uptime | sed 's/.*load average/load average/')"
"$INGOT" bench gateway --direct "$UPSTREAM" --gateway "$GATEWAY" --concurrency "$CONCURRENCY" \
  --requests "$REQUESTS" --gateway-pid "$GW_PID" --soak "$SOAK"
echo "load: $(uptime | sed 's/.*load average/load average/')"
