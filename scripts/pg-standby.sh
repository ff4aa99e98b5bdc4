#!/usr/bin/env bash
# pg-standby.sh: a PostgreSQL primary and a streaming hot standby on
# 127.0.0.1, in a directory of their own, for the cluster tests
# (cluster/) and for trying orm.Replicas by hand.
#
#   scripts/pg-standby.sh start DIR [PRIMARY_PORT [STANDBY_PORT]]
#       initdb a primary (wal_level=replica) in DIR/primary, start it,
#       take pg_basebackup -R into DIR/standby and start that as a hot
#       standby; prints PRIMARY_PORT=, STANDBY_PORT=, PRIMARY_DSN= and
#       STANDBY_DSN= lines. Ports default to 25510 and 25511.
#   scripts/pg-standby.sh stop DIR            stop both, by pid
#   scripts/pg-standby.sh stop-standby DIR    stop the standby only
#   scripts/pg-standby.sh start-standby DIR   start it again
#   scripts/pg-standby.sh delay DIR DURATION  set the standby's
#       recovery_min_apply_delay (e.g. 300ms, 0) and reload it: artificial lag
#   scripts/pg-standby.sh logs DIR            print both servers' logs
#
# The servers run as the postgres OS user when the script runs as root
# (PostgreSQL refuses root); DIR is created and given to that user. On a
# failure the script prints the server's log and exits non-zero. Data is
# thrown away: fsync is off, the servers listen on 127.0.0.1 only and trust
# every local connection. The standby is listed in synchronous_standby_names
# with synchronous_commit = local, so only a session that sets
# synchronous_commit = remote_apply waits for it to apply its commit.
set -euo pipefail

die() {
	echo "pg-standby.sh: $*" >&2
	exit 1
}

bindir() {
	if [ -n "${PG_BIN:-}" ]; then
		echo "$PG_BIN"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	if [ -z "$d" ] && command -v pg_ctl >/dev/null; then
		d=$(dirname "$(command -v pg_ctl)")
	fi
	[ -n "$d" ] || die "no PostgreSQL binaries (install postgresql, or set PG_BIN)"
	echo "$d"
}

# as_pg runs a command as the postgres user when we are root.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null; then
			runuser -u postgres -- "$@"
		else
			su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

show_logs() {
	local dir=$1 f
	for f in "$dir"/primary.log "$dir"/standby.log "$dir"/basebackup.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 60 lines)" >&2
		tail -n 60 "$f" >&2
	done
}

# pid_of prints the postmaster pid of data dir $1, or nothing.
pid_of() {
	[ -f "$1/postmaster.pid" ] && head -n 1 "$1/postmaster.pid"
}

# start_server DATADIR LOG
start_server() {
	local bin data=$1 log=$2
	bin=$(bindir)
	if ! as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null; then
		show_logs "$(dirname "$data")"
		die "could not start the server in $data"
	fi
}

# stop_server DATADIR: a fast shutdown by pid, waiting up to 30s for the
# process to end.
stop_server() {
	local data=$1 pid
	pid=$(pid_of "$data") || return 0
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -QUIT "$pid" 2>/dev/null || true
}

cmd_start() {
	local dir=$1 pport=${2:-25510} sport=${3:-25511} bin
	bin=$(bindir)
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	as_pg test -x "$dir" || die "the postgres user cannot enter $dir (is a parent directory private?)"
	chmod 700 "$dir"
	local primary=$dir/primary standby=$dir/standby
	[ -e "$primary" ] && die "$primary exists: stop and remove DIR first"

	as_pg "$bin/initdb" -D "$primary" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; die "initdb failed"; }
	cat >>"$primary/postgresql.conf" <<-CONF
		# pg-standby.sh
		listen_addresses = '127.0.0.1'
		port = $pport
		unix_socket_directories = '$dir'
		wal_level = replica
		max_wal_senders = 4
		hot_standby = on
		max_connections = 60
		shared_buffers = 16MB
		fsync = off
		full_page_writes = off
		wal_sender_timeout = 10s
		# The standby is synchronous, but commits wait for it only in a
		# session that asks (SET synchronous_commit = remote_apply: the
		# tests' "caught up" barrier); everyone else commits locally and
		# sees the real lag, and a stopped standby holds nobody up.
		synchronous_standby_names = '*'
		synchronous_commit = local
	CONF
	cat >"$primary/pg_hba.conf" <<-HBA
		local all all trust
		host all all 127.0.0.1/32 trust
		local replication all trust
		host replication all 127.0.0.1/32 trust
	HBA
	start_server "$primary" "$dir/primary.log"

	if ! as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$pport" -U postgres -D "$standby" -R -X stream -c fast >"$dir/basebackup.log" 2>&1; then
		show_logs "$dir"
		stop_server "$primary"
		die "pg_basebackup failed"
	fi
	# The copied postgresql.conf names the primary's port: the last
	# setting wins.
	cat >>"$standby/postgresql.conf" <<-CONF
		# pg-standby.sh: the standby
		port = $sport
		include_if_exists = 'delay.conf'
	CONF
	start_server "$standby" "$dir/standby.log"
	cmd_env "$dir"
}

cmd_env() {
	local dir=$1 pport sport
	pport=$(grep -E '^port = ' "$dir/primary/postgresql.conf" | tail -n 1 | awk '{print $3}')
	sport=$(grep -E '^port = ' "$dir/standby/postgresql.conf" | tail -n 1 | awk '{print $3}')
	echo "PRIMARY_PORT=$pport"
	echo "STANDBY_PORT=$sport"
	echo "PRIMARY_DSN=postgres://postgres@127.0.0.1:$pport/postgres?sslmode=disable"
	echo "STANDBY_DSN=postgres://postgres@127.0.0.1:$sport/postgres?sslmode=disable"
}

cmd_delay() {
	local dir=$1 d=$2 bin
	bin=$(bindir)
	echo "recovery_min_apply_delay = '$d'" | as_pg tee "$dir/standby/delay.conf" >/dev/null
	as_pg "$bin/pg_ctl" -D "$dir/standby" reload >/dev/null
}

[ $# -ge 2 ] || die "usage: $0 start|stop|stop-standby|start-standby|delay|env|logs DIR [ARGS]"
cmd=$1
dir=$2
shift 2
case $cmd in
start) cmd_start "$dir" "$@" ;;
stop)
	stop_server "$dir/standby"
	stop_server "$dir/primary"
	;;
stop-standby) stop_server "$dir/standby" ;;
start-standby) start_server "$dir/standby" "$dir/standby.log" ;;
delay) cmd_delay "$dir" "$@" ;;
env) cmd_env "$dir" ;;
logs) show_logs "$dir" 2>&1 ;;
*) die "unknown command $cmd" ;;
esac
