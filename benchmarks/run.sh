#!/usr/bin/env bash
# Runs every benchmark of this module COUNT times, one whole pass after
# another (so that a slow minute of the machine hurts every library alike,
# rather than the one that happened to be running), then writes
# RESULTS.md and RESULTS.svg with cmd/chart. The raw output stays in
# results/bench.txt, in the format benchstat reads:
#
#	go run golang.org/x/perf/cmd/benchstat@latest results/bench.txt
#
# Server benchmarks run when their DSN is set and skip otherwise:
#
#	export AIODB_PG_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
#	export AIODB_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test'
#	./run.sh
#
# Settings (environment): COUNT (passes, default 6), BENCHTIME (go test
# -benchtime, default 1s), BENCH (go test -bench pattern, default .).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-.}

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
	"$bin" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.benchtime "$BENCHTIME" \
		-test.count 1 -test.timeout 2h | tee -a "$out"
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
	echo "passes: $COUNT, -benchtime $BENCHTIME"
} >results/machine.txt

echo "== writing RESULTS.md and RESULTS.svg"
go run ./cmd/chart -in "$out" -machine results/machine.txt -analysis analysis.md \
	-md RESULTS.md -svg RESULTS.svg \
	-command "COUNT=$COUNT BENCHTIME=$BENCHTIME BENCH='$BENCH' ./run.sh"
echo "== done: RESULTS.md, RESULTS.svg, results/bench.txt"
