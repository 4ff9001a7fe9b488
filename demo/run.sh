#!/bin/sh
# run.sh - `make run`: local demo endpoints that go down and come back on a
# timetable, and `slamon run` with demo/slamon-demo.conf. Status page on
# http://127.0.0.1:8080; Ctrl-C stops everything.
#
# Timetable (seconds after start):
#   20  crm-app answers 503 ........ 80  back (an unplanned outage; alert at ~80)
#   90  a maintenance window of "Document storage" begins (announced at start)
#  110  documents answers 503 ...... 200 back (inside the window: excluded)
#  150  bulk-mail refuses ........... 195 back (a short unplanned outage)
#  240  the window ends
# Usage: sh demo/run.sh BUILD_DIR
set -eu

build=${1:-build}
tools=$build/tests
conf=demo/slamon-demo.conf
pids=

for f in "$build/slamon" "$tools/targetd" "$tools/dnsd"; do
	[ -x "$f" ] || { echo "demo: $f is missing; run it with make run" >&2; exit 1; }
done

stop() {
	trap - INT TERM EXIT
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "demo: stopped"
}
trap stop INT TERM EXIT

start() {
	"$@" >/dev/null 2>&1 &
	pids="$pids $!"
}

start "$tools/targetd" --http 18080 --route /login=body:SuperOffice\ CRM\ login --route /app=status:200
start "$tools/targetd" --tcp 18081 banner:CRM-API
start "$tools/targetd" --http 18082 --route /health=status:200
start "$tools/targetd" --http 18083 --route /health=status:200
start "$tools/targetd" --http 18090
start "$tools/dnsd" 18053 crm.demo.test=A:127.0.0.1

# set PORT PATH SPEC: change a route of a running targetd
set_route() {
	python3 -c 'import sys, urllib.request, urllib.parse
urllib.request.urlopen("http://127.0.0.1:%s/_set?path=%s&spec=%s" % (sys.argv[1],
    urllib.parse.quote(sys.argv[2]), urllib.parse.quote(sys.argv[3])), timeout=5).read()' "$@" \
	    || echo "demo: cannot flip $2 on $1" >&2
}

mkdir -p var/demo
now=$(date +%s)
"$build/slamon" -c "$conf" announce --window storage-swap \
    --start "$(date -u -d @$((now + 90)) +%Y-%m-%dT%H:%M:%SZ)" \
    --end "$(date -u -d @$((now + 240)) +%Y-%m-%dT%H:%M:%SZ)" \
    --note "demo: storage controller swap" >/dev/null

"$build/slamon" -c "$conf" run &
pids="$pids $!"

echo
echo "  slamon demo: the status page is on http://127.0.0.1:8080"
echo "  (API: /api/v2/summary.json, /metrics, /calendar.ics). Ctrl-C stops it."
echo

(
	sleep 20; set_route 18080 /app status:503
	sleep 60; set_route 18080 /app status:200
	sleep 30; set_route 18083 /health status:503
	sleep 40; set_route 18082 /health close
	sleep 45; set_route 18082 /health status:200
	sleep 5; set_route 18083 /health status:200
) &
pids="$pids $!"
wait
