#!/bin/sh
# run.sh - the benchmark suite (make bench): build and run every
# bench/*_bench.c against the library, then the probing and schedule
# benchmarks (bench/README.md), and print ONE table of every figure at the end.
# A benchmark adds rows to it by appending "section<TAB>metric<TAB>value<TAB>goal"
# lines to $BENCH_RESULTS.
set -eu
build=${1:-build}
mkdir -p "$build/bench"
BENCH_RESULTS="$build/bench/results.tsv"
export BENCH_RESULTS
: >"$BENCH_RESULTS"
# the libraries libslamon.a needs, and the allocator the build links
# (malloc.stamp): the Makefile's PKGS (make bench passes them)
pkgs=${PKGS:-libcurl libevent libevent_openssl librrd libconfig libical jansson openssl libnats libsystemd libcares $(grep -qx jemalloc "$build/malloc.stamp" 2>/dev/null && echo jemalloc)}
for src in bench/*_bench.c; do
	bin="$build/bench/$(basename "$src" .c)"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -DNDEBUG $(pkg-config --cflags libical jansson libconfig) \
		-o "$bin" "$src" "$build/libslamon.a" \
		$(pkg-config --libs $pkgs) -lpthread -lm
	echo "== $bin"
	case $src in
	*/report_bench.c) "$bin" 10000 "$build/slamon" ;; # ~2 GB in /tmp while it runs (sparse copies)
	*) "$bin" ;;
	esac
done

# Probing throughput and schedule precision: standalone drivers, then the runs.
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -o "$build/bench/probe_curl_multi" \
	bench/probe_curl_multi.c $(pkg-config --cflags --libs libcurl)
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -o "$build/bench/probe_fork" bench/probe_fork.c
echo "== probing throughput"
python3 bench/probe_throughput.py "$build"
echo "== overload: demand sweep against the bare loop"
python3 bench/probe_overload.py "$build"
if command -v valgrind >/dev/null && command -v callgrind_control >/dev/null; then
	echo "== cost per probe: callgrind instructions against the bare loop"
	python3 bench/probe_callgrind.py "$build"
fi
echo "== schedule precision"
python3 bench/schedule_precision.py "$build"

# several locations: results through a three-server JetStream cluster
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$build/bench/cluster_pub" bench/cluster_pub.c \
	"$build/libslamon.a" $(pkg-config --cflags --libs libcurl libevent libevent_openssl \
	librrd libconfig libical jansson openssl libnats) -lpthread -lm
echo "== bench/cluster_bench.py"
python3 bench/cluster_bench.py "$build"

# probe start lag with and without an attack on the status page (issue 20)
echo "== bench/isolate_bench.py"
python3 bench/isolate_bench.py "$build"

# replay throughput and RRD updates per second, direct and through rrdcached
echo "== bench/replay_bench.py"
python3 bench/replay_bench.py "$build" "${REPLAY_BENCH_TARGETS:-1000}"

echo
echo "== results"
awk -F '\t' 'BEGIN { print "| section | metric | value | goal |"; print "|---|---|---|---|" }
	{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$BENCH_RESULTS"
