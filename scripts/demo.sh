#!/usr/bin/env bash
# The living demo: the portal (uvicorn), the worker (webhook delivery, imports, e-mail) and
# the ERP simulator, side by side, their output prefixed by who wrote it. Ctrl+C stops all
# three; so does any one of them stopping. Run `make demo` for the migrate and seed first.
#
#   HOST / PORT          where the portal listens (127.0.0.1:8000)
#   ERP_SIM_CONFIG       the simulator's file, written by seed-demo (var/erp-sim.json)
#   ERP_SIM_SPEED        how much faster the ERP's life goes (1: an order is delivered in 90 s)
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${VENV:-.venv}/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
DATA_DIR=${DEALERDESK_DATA_DIR:-var}
SIM_CONFIG=${ERP_SIM_CONFIG:-$DATA_DIR/erp-sim.json}
SIM_SPEED=${ERP_SIM_SPEED:-1}
PORTAL=http://$HOST:$PORT

if [ ! -f "$SIM_CONFIG" ]; then
  echo "$SIM_CONFIG is missing: run \`$BIN/dealerdesk seed-demo\` (or \`make demo\`) first." >&2
  exit 2
fi

pids=()
stopping=false

stop() {
  $stopping && return
  stopping=true
  echo
  echo "Stopping the portal, the worker and the ERP simulator…"
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  wait "${pids[@]}" 2>/dev/null
  echo "All stopped."
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

# start LABEL COMMAND…: run it in the background, each line of its output labelled. Each
# runs in a session of its own, so that Ctrl+C reaches this script alone and each process
# gets exactly one SIGTERM (a second signal makes the worker abandon the task in hand). The
# labeller ignores both signals and ends with the output it labels, so no last line is lost.
if command -v setsid >/dev/null; then own_session=(setsid); else own_session=(); fi
start() {
  local label=$1
  shift
  "${own_session[@]}" "$@" > >(trap '' INT TERM; exec sed -u "s/^/[$label] /") 2>&1 &
  pids+=($!)
}

start worker "$BIN/dealerdesk" worker
start erp-sim "$BIN/dealerdesk" erp-sim --config "$SIM_CONFIG" --speed "$SIM_SPEED" --portal "$PORTAL"
start portal "$BIN/uvicorn" dealerdesk.asgi:application --host "$HOST" --port "$PORT" --lifespan off

LISTEN=$("$BIN/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["listen"])' "$SIM_CONFIG")
cat <<INFO

  Dealerdesk demo
  ---------------
  Portal         $PORTAL/                (dealer: buyer@dealer-one.example)
  Back office    $PORTAL/backoffice/     (admin@example.com; sync monitor, webhooks)
  API docs       $PORTAL/api/v1/docs
  ERP simulator  http://$LISTEN/status   (down: curl -X POST http://$LISTEN/control/down)
  Worker         delivers the order webhooks to the ERP simulator
  Ctrl+C stops all three.

INFO

# Any one of them ending (a port already taken, a crash) ends the demo.
wait -n "${pids[@]}"
status=$?
$stopping || echo "A demo process stopped (exit $status): stopping the others." >&2
exit "$status"
