#!/bin/sh
# run.sh - build and run every bench/*_bench.c against the library (make bench).
set -eu
build=${1:-build}
mkdir -p "$build/bench"
for src in bench/*_bench.c; do
	bin="$build/bench/$(basename "$src" .c)"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -DNDEBUG $(pkg-config --cflags libical jansson libconfig) \
		-o "$bin" "$src" "$build/libslamon.a" \
		$(pkg-config --libs libcurl libevent libevent_openssl librrd libconfig libical jansson openssl) -lm
	echo "== $bin"
	case $src in
	*/report_bench.c) "$bin" 10000 "$build/slamon" ;; # ~10 GB in /tmp while it runs
	*) "$bin" ;;
	esac
done
# replay throughput and RRD updates per second, direct and through rrdcached
echo "== bench/replay_bench.py"
python3 bench/replay_bench.py "$build" "${REPLAY_BENCH_TARGETS:-1000}"
