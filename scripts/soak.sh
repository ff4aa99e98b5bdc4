#!/usr/bin/env bash
# Soak: runs reliability's TestSoak for a bounded time (default 5m) on the
# test's own PostgreSQL and MariaDB (internal/testserver: initdb and
# mariadb-install-db in temp dirs, free ports of 127.0.0.1, stopped by pid),
# with aiopg, aiopgx and aiomysql under load and a fault every 15 s (session
# kills, a silent partition, a restart, a crash, a deadline storm). It is off
# the CI path. The figures (SOAK lines: calls, failures by kind, lost, torn,
# hung, leaked) are printed and kept in $SOAK_LOG (default /tmp/aiodb-soak-<date>.log).
#
#   scripts/soak.sh            # 5 minutes
#   scripts/soak.sh 10m -race  # any go duration; extra args go to go test
#   AIODB_TEST_PORTS=25400-25499 scripts/soak.sh   # where ports are shared out
set -euo pipefail
cd "$(dirname "$0")/.."
length="${1:-5m}"
shift || true
log="${SOAK_LOG:-${TMPDIR:-/tmp}/aiodb-soak-$(date -u +%Y%m%dT%H%M%SZ).log}"
case "$length" in
*h) secs=$((${length%h} * 3600)) ;;
*m) secs=$((${length%m} * 60)) ;;
*s) secs=${length%s} ;;
*) echo "soak.sh: want a duration such as 300s, 5m or 1h, got $length" >&2; exit 2 ;;
esac
timeout=$((secs + 300))s
echo "== soak for $length (go test timeout $timeout), log $log"
AIODB_SOAK="$length" AIODB_REQUIRE_DB=1 go test -count=1 -timeout "$timeout" -run '^TestSoak$' -v "$@" ./reliability/ 2>&1 | tee "$log" | grep -E 'SOAK|fault [0-9]+:|^(--- |ok|FAIL|PASS)|Error|error' || true
status=${PIPESTATUS[0]}
echo "== figures:"
grep 'SOAK' "$log" | sed 's/^ *//'
exit "$status"
