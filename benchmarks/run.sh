#!/usr/bin/env bash
# Runs every benchmark of this module COUNT times, then writes RESULTS.md
# and RESULTS.svg with cmd/chart. The raw output stays in
# results/bench.txt, in the format benchstat reads:
#
#	go run golang.org/x/perf/cmd/benchstat@latest results/bench.txt
#
# Each pass runs one operation on one backend for every library back to
# back (go test -shuffle picks their order), then the next operation, so
# that the figures a ratio compares were taken seconds apart: on a machine
# whose load changes from minute to minute, that is what keeps the ratios
# steady. cmd/chart pairs the figures of each pass.
#
# Server benchmarks run when their DSN is set and skip otherwise:
#
#	export AIODB_PG_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
#	export AIODB_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test'
#	./run.sh
#
# Settings (environment): COUNT (passes, default 10), BENCHTIME (go test
# -benchtime, default 500ms), BACKENDS (default "nop pg mysql sqlite"),
# OPS (default the five operations and the two async forms), LIBS (a
# regular expression for the libraries, default every one: "Raw|Pgx|Aiodb"
# runs the baselines and aiodb only).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-500ms}
BACKENDS=${BACKENDS:-nop pg mysql sqlite}
OPS=${OPS:-Insert InsertMulti Update Read ReadSlice Fanout64 Stream100k}
LIBS=${LIBS:-.*}

mkdir -p results
out=results/bench.txt
bin=results/benchmarks.test
trap 'rm -f "$bin"' EXIT

echo "== building the benchmarks"
go test -c -o "$bin" .

for backend in AIODB_PG_DSN AIODB_MYSQL_DSN; do
	if [ -z "${!backend:-}" ]; then
		echo "== $backend is unset: its benchmarks will skip"
	fi
done

: >"$out"
for i in $(seq 1 "$COUNT"); do
	echo "== pass $i of $COUNT"
	for backend in $BACKENDS; do
		for op in $OPS; do
			case "$backend/$op" in
			mysql/Fanout64 | mysql/Stream100k | sqlite/Fanout64 | sqlite/Stream100k) continue ;;
			esac
			"$bin" -test.run '^$' -test.bench "^Benchmark($LIBS)\$/^$backend\$/./^$op\$" -test.benchmem \
				-test.benchtime "$BENCHTIME" -test.count 1 -test.shuffle on -test.timeout 30m |
				grep -v '^-test.shuffle' | tee -a "$out"
		done
	done
done

# What the report says about the machine, besides go test's own header.
{
	echo "cores: $(nproc), memory: $(free -h | awk '/^Mem:/ {print $2}')"
	echo "go: $(go env GOVERSION), GOMAXPROCS=${GOMAXPROCS:-$(nproc)}"
	if [ -n "${AIODB_PG_DSN:-}" ] && command -v psql >/dev/null; then
		echo "PostgreSQL: $(psql "$AIODB_PG_DSN" -tAc 'SHOW server_version' 2>/dev/null || echo unknown), on this machine over loopback"
	fi
	if [ -n "${AIODB_MYSQL_DSN:-}" ] && command -v mariadb >/dev/null; then
		echo "MariaDB: $(mariadb -h 127.0.0.1 -uroot -N -e 'SELECT VERSION()' 2>/dev/null || echo unknown), on this machine over loopback"
	fi
	echo "passes: $COUNT, -benchtime $BENCHTIME; PostgreSQL sessions with synchronous_commit=off"
} >results/machine.txt

echo "== writing RESULTS.md and RESULTS.svg"
go run ./cmd/chart -in "$out" -machine results/machine.txt -analysis analysis.md \
	-md RESULTS.md -svg RESULTS.svg \
	-command "COUNT=$COUNT BENCHTIME=$BENCHTIME BACKENDS='$BACKENDS' LIBS='$LIBS' ./run.sh"
echo "== done: RESULTS.md, RESULTS.svg, results/bench.txt"
