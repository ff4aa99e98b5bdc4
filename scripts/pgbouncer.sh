#!/usr/bin/env bash
# pgbouncer.sh: PgBouncer in transaction mode on 127.0.0.1, in a directory
# of its own, in front of a PostgreSQL server, for the cluster tests
# (cluster/) and for trying aiodb behind a pooler by hand.
#
#   scripts/pgbouncer.sh start DIR PORT SERVER_PORT [POOL_SIZE]
#       write DIR/pgbouncer.ini (auth_type=trust, pool_mode=transaction,
#       every database forwarded to 127.0.0.1:SERVER_PORT, POOL_SIZE server
#       connections per database and user, 4 by default) and start
#       pgbouncer; prints PGBOUNCER_PORT= and PGBOUNCER_DSN= lines.
#   scripts/pgbouncer.sh stop DIR     stop it, by pid
#   scripts/pgbouncer.sh logs DIR     print its log
#
# PgBouncer refuses to run as root: as root the script runs it as the
# postgres OS user (PGBOUNCER_USER overrides), and DIR is given to that user.
# On a failure the script prints pgbouncer's log and exits non-zero.
set -euo pipefail

die() {
	echo "pgbouncer.sh: $*" >&2
	exit 1
}

run_user=${PGBOUNCER_USER:-postgres}

as_user() {
	if [ "$(id -u)" = 0 ]; then
		if command -v runuser >/dev/null; then
			runuser -u "$run_user" -- "$@"
		else
			su "$run_user" -s /bin/sh -c "$(printf '%q ' "$@")"
		fi
	else
		"$@"
	fi
}

show_log() {
	[ -f "$1/pgbouncer.log" ] || return 0
	echo "---- $1/pgbouncer.log (last 60 lines)" >&2
	tail -n 60 "$1/pgbouncer.log" >&2
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_start() {
	local dir=$1 port=$2 sport=$3 pool=${4:-4} bin
	bin=$(command -v pgbouncer || true)
	[ -n "$bin" ] || [ ! -x /usr/sbin/pgbouncer ] || bin=/usr/sbin/pgbouncer
	[ -n "$bin" ] || die "pgbouncer is not installed (apt-get install pgbouncer)"
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown "$run_user": "$dir"
	as_user test -x "$dir" || die "user $run_user cannot enter $dir (is a parent directory private?)"
	chmod 700 "$dir"
	as_user tee "$dir/userlist.txt" >/dev/null <<-USERS
		"postgres" ""
	USERS
	as_user tee "$dir/pgbouncer.ini" >/dev/null <<-INI
		[databases]
		* = host=127.0.0.1 port=$sport

		[pgbouncer]
		listen_addr = 127.0.0.1
		listen_port = $port
		unix_socket_dir =
		auth_type = trust
		auth_file = $dir/userlist.txt
		pool_mode = transaction
		default_pool_size = $pool
		max_client_conn = 200
		; lib/pq sends extra_float_digits at startup; pgbouncer would
		; refuse the connection over an unknown startup parameter.
		ignore_startup_parameters = extra_float_digits
		server_reset_query = DISCARD ALL
		pidfile = $dir/pgbouncer.pid
		logfile = $dir/pgbouncer.log
		admin_users = postgres
	INI
	if ! as_user "$bin" -d "$dir/pgbouncer.ini" >>"$dir/start.log" 2>&1; then
		cat "$dir/start.log" >&2
		show_log "$dir"
		die "pgbouncer did not start"
	fi
	for _ in $(seq 1 100); do
		listening "$port" && break
		sleep 0.1
	done
	if ! listening "$port"; then
		show_log "$dir"
		die "pgbouncer is not listening on 127.0.0.1:$port"
	fi
	echo "PGBOUNCER_PORT=$port"
	echo "PGBOUNCER_DSN=postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
}

cmd_stop() {
	local dir=$1 pid
	[ -f "$dir/pgbouncer.pid" ] || return 0
	pid=$(cat "$dir/pgbouncer.pid")
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 300); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

[ $# -ge 2 ] || die "usage: $0 start DIR PORT SERVER_PORT [POOL_SIZE] | stop DIR | logs DIR"
cmd=$1
dir=$2
shift 2
case $cmd in
start)
	[ $# -ge 2 ] || die "usage: $0 start DIR PORT SERVER_PORT [POOL_SIZE]"
	cmd_start "$dir" "$@"
	;;
stop) cmd_stop "$dir" ;;
logs) show_log "$dir" 2>&1 ;;
*) die "unknown command $cmd" ;;
esac
