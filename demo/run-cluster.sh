#!/bin/sh
# run-cluster.sh - `make run-cluster`: several locations on one machine, all
# on 127.0.0.1 (design.md 9). Three nats-server processes clustered with
# JetStream, three probing nodes (osl, fra, ams), one aggregator with the
# status page on http://127.0.0.1:8080. Each probing node reaches the demo
# service through its own path, so one location's "network" can fail alone.
# Ctrl-C stops everything.
#
# Timetable (seconds after start):
#   30  fra's network fails .............. 90 back (one location: no outage)
#  120  osl's and fra's networks fail ... 180 back (a quorum: an outage, and
#       an alert to the log after 30 s unplanned)
#  200  the ams probing node stops ...... 260 starts again (its seconds are
#       unknown for ams; the service stays up by the other two)
# Usage: sh demo/run-cluster.sh BUILD_DIR
set -eu

build=${1:-build}
tools=$build/tests
dir=var/demo-cluster
pids=
ams=

for f in "$build/slamon" "$tools/targetd"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run it with make run-cluster" >&2; exit 1; }
done
command -v nats-server >/dev/null || { echo "demo: nats-server is missing (make run-cluster installs it)" >&2; exit 1; }

stop() {
	trap - INT TERM EXIT
	for p in $pids $ams; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "demo: stopped"
}
trap stop INT TERM EXIT

start() {
	"$@" >>"$dir/log" 2>&1 &
	pids="$pids $!"
}

rm -rf "$dir"
mkdir -p "$dir"
routes="nats-route://127.0.0.1:16301, nats-route://127.0.0.1:16302, nats-route://127.0.0.1:16303"
for i in 1 2 3; do
	cat >"$dir/nats$i.conf" <<EOC
server_name: demo$i
listen: 127.0.0.1:1430$i
jetstream { store_dir: "$dir/nats$i" }
cluster { name: slamon-demo, listen: 127.0.0.1:1630$i, routes: [$routes] }
EOC
	start nats-server -c "$dir/nats$i.conf"
done
nats="nats://127.0.0.1:14301,nats://127.0.0.1:14302,nats://127.0.0.1:14303"

start "$tools/targetd" --http 18180 --route /osl=status:200 --route /fra=status:200 \
    --route /ams=status:200 --route /agg=status:200

# node NAME ROLE LOCATION LISTEN: a configuration for one node
node() {
	loc=
	[ -n "$3" ] && loc="location = \"$3\";"
	cat >"$dir/$1.conf" <<EOC
slamon: { state_dir = "$dir/state-$1"; timezone = "Europe/Oslo"; listen = "$4"; };
defaults: { interval = 5; timeout = 2; fail_threshold = 2; alert_after = 30; };
targets = (
  { name = "crm-web"; component = "CRM application"; type = "http";
    url = "http://127.0.0.1:18180/${3:-agg}"; }
);
maintenance: { windows = (); };
alerts = ( { type = "exec"; command = ["$(pwd)/etc/alert-log.sh"]; } );
cluster: { nats = "$nats"; $loc role = "$2"; locations = ["osl", "fra", "ams"]; quorum = 2; };
EOC
}

node agg aggregate "" 127.0.0.1:8080
for l in osl fra ams; do node "$l" probe "$l" ""; done

# the servers elect a JetStream leader first; the aggregator waits for it
sleep 2
start "$build/slamon" -c "$dir/agg.conf" run
sleep 2
start "$build/slamon" -c "$dir/osl.conf" run
start "$build/slamon" -c "$dir/fra.conf" run
"$build/slamon" -c "$dir/ams.conf" run >>"$dir/log" 2>&1 &
ams=$!

set_route() {
	python3 -c 'import sys, urllib.request
urllib.request.urlopen("http://127.0.0.1:18180/_set?path=%s&spec=%s" % (sys.argv[1],
    sys.argv[2]), timeout=5).read()' "$@" || echo "demo: cannot flip $1" >&2
}

echo
echo "  slamon several-locations demo: the status page is on http://127.0.0.1:8080"
echo "  (/metrics shows slamon_location_up per location). Logs: $dir/log. Ctrl-C stops it."
echo

(
	sleep 30; set_route /fra status:503
	sleep 60; set_route /fra status:200
	sleep 30; set_route /osl status:503; set_route /fra status:503
	sleep 60; set_route /osl status:200; set_route /fra status:200
) &
pids="$pids $!"
sleep 200
kill "$ams" 2>/dev/null || true
wait "$ams" 2>/dev/null || true
sleep 60
"$build/slamon" -c "$dir/ams.conf" run >>"$dir/log" 2>&1 &
ams=$!
wait
