#!/bin/sh
# deps.sh - install the Debian packages slamon needs, when they are missing.
# As root it runs apt-get; otherwise it names the packages to install and fails.
# Usage: mk/deps.sh build|check|run|bench
set -eu

build="gcc make pkg-config libcurl4-openssl-dev libevent-dev librrd-dev
	libconfig-dev libical-dev libjansson-dev libssl-dev libnats-dev libsystemd-dev libc-ares-dev
	libjemalloc-dev"
check="$build libcmocka-dev rrdcached rrdtool libfaketime openssl python3 python3-cryptography python3-jsonschema python3-icalendar python3-dateutil python3-feedparser ca-certificates iproute2 procps
	prometheus prometheus-alertmanager mandoc systemd chromium nodejs nats-server"
run="$build rrdtool python3 nats-server"
# make bench only: the peers slamon is measured against, and valgrind for
# callgrind's instruction counts (bench/README.md)
bench="$check nginx prometheus-blackbox-exporter monitoring-plugins-basic valgrind"

case "${1:-build}" in
build) want=$build ;;
check) want=$check ;;
run) want=$run ;;
bench) want=$bench ;;
*) echo "usage: $0 build|check|run|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
# The browser tests' driver and axe-core (package.json, package-lock.json) from npm, once.
npm_deps() {
	[ "$1" = check ] || return 0
	[ -f node_modules/playwright-core/package.json ] && [ -f node_modules/axe-core/package.json ] && return 0
	if ! command -v npm >/dev/null 2>&1; then
		# Debian's nodejs comes without npm; NodeSource's includes it
		if [ "$(id -u)" -eq 0 ]; then
			apt-get install -y --no-install-recommends npm >/dev/null 2>&1 ||
			    { apt-get update -qq && apt-get install -y --no-install-recommends npm; }
		else
			echo "slamon: npm is needed for the browser test: sudo apt-get install -y npm" >&2
			return 1
		fi
	fi
	echo "slamon: installing playwright-core and axe-core from package-lock.json" >&2
	npm ci --no-audit --no-fund >/dev/null
}

if [ -z "$missing" ]; then
	npm_deps "${1:-build}"
	exit $?
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "slamon: missing Debian packages; install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "slamon: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An old or absent package list is the usual reason an install fails on a new machine.
if ! apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update -qq
	apt-get install -y --no-install-recommends $missing
fi
npm_deps "${1:-build}"
