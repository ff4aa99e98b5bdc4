#!/usr/bin/env bash
# galera.sh: a three-node MariaDB Galera cluster on 127.0.0.1, for the
# cluster tests (cluster/galera) and for trying things by hand.
#
#   scripts/galera.sh start DIR   init DIR (once) and start the three nodes,
#                                 or the ones not running (they rejoin);
#                                 prints "nodeN 127.0.0.1:PORT PID" per node
#   scripts/galera.sh stop DIR    stop every node of DIR by its pid
#   scripts/galera.sh status DIR  wsrep state of each running node
#   scripts/galera.sh logs DIR    every node's error log
#
# Each node has its own datadir, config file, socket and pid file under
# DIR/nodeN, and four ports from GALERA_BASE_PORT (default 25600): node N
# uses BASE+10N+1 (clients), +2 (gcomm), +3 (IST), +4 (rsync SST). Node 1
# bootstraps the cluster (--wsrep-new-cluster); nodes 2 and 3 join it one
# after the other and receive a full copy by rsync SST. Every listener is
# bound to 127.0.0.1. root@127.0.0.1 has an empty password, as on the
# shared test server, so DSNs look like root@tcp(127.0.0.1:25611)/test.
#
# When a node does not come up, start stops every node of DIR, prints
# the logs on stderr and exits 1: a test that calls it then fails with
# the servers' own words. Needs mariadbd, mariadb-install-db, the galera-4
# provider and rsync (.ci/run installs them).
set -euo pipefail

base="${GALERA_BASE_PORT:-25600}"
mariadbd="${MARIADBD:-/usr/sbin/mariadbd}"
provider="${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
# How long one node may take to become ready; a joiner includes its SST.
ready_timeout="${GALERA_READY_TIMEOUT:-120}"
nodes=(1 2 3)

usage() {
	echo "usage: $0 start|stop|status|logs DIR" >&2
	exit 2
}

port() { # node offset
	echo $((base + 10 * $1 + $2))
}

cluster_address() {
	local n addrs=()
	for n in "${nodes[@]}"; do
		addrs+=("127.0.0.1:$(port "$n" 2)")
	done
	local IFS=,
	echo "gcomm://${addrs[*]}"
}

node_dir() { echo "$dir/node$1"; }

# alive reports whether pid runs. A killed node whose parent (init, or
# whatever adopted it) has not reaped it yet is a zombie: it counts as
# dead, or a restart would wait for it.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ "$state" != Z ]
}

pid_of() { # node: prints the pid when the node runs
	local f
	f="$(node_dir "$1")/mariadbd.pid"
	[ -s "$f" ] || return 1
	local pid
	pid=$(cat "$f")
	alive "$pid" || return 1
	echo "$pid"
}

client() { # node sql...: runs SQL over the node's socket as root
	local n=$1
	shift
	mariadb --no-defaults --protocol=socket --socket="$(node_dir "$n")/mariadbd.sock" \
		-uroot --connect-timeout=5 -N -B -e "$*"
}

status_var() { # node name
	client "$1" "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | awk '{print $2}'
}

# write_config writes node n's option file: everything the node needs is
# there, so neither the server nor the SST scripts it runs read
# /etc/mysql (the shared server's datadir and pid file).
write_config() {
	local n=$1 d
	d=$(node_dir "$n")
	local user_line=
	[ "$(id -u)" = 0 ] && user_line="user = mysql"
	cat >"$d/my.cnf" <<-CNF
		[mysqld]
		$user_line
		datadir = $d/data
		socket = $d/mariadbd.sock
		pid-file = $d/mariadbd.pid
		log-error = $d/error.log
		bind-address = 127.0.0.1
		port = $(port "$n" 1)
		skip-name-resolve
		character-set-server = utf8mb4
		collation-server = utf8mb4_general_ci
		# small and quick: a test cluster on a shared 2-core machine
		innodb_buffer_pool_size = 64M
		innodb_log_file_size = 16M
		innodb_flush_log_at_trx_commit = 2
		performance_schema = OFF
		# Galera needs row events and interleaved auto-increment locks
		binlog_format = ROW
		innodb_autoinc_lock_mode = 2
		default_storage_engine = InnoDB
		wsrep_on = ON
		wsrep_provider = $provider
		wsrep_cluster_name = aiodb_test
		wsrep_cluster_address = $(cluster_address)
		wsrep_node_name = node$n
		wsrep_node_address = 127.0.0.1:$(port "$n" 2)
		wsrep_node_incoming_address = 127.0.0.1:$(port "$n" 1)
		wsrep_data_home_dir = $d/data
		wsrep_sst_method = rsync
		wsrep_sst_receive_address = 127.0.0.1:$(port "$n" 4)
		# gcomm and IST bound to 127.0.0.1; a killed node is declared
		# dead after 3-5 s instead of the default 5-15 s, so the
		# survivors resume commits quickly.
		wsrep_provider_options = "base_port=$(port "$n" 2);gmcast.listen_addr=tcp://127.0.0.1:$(port "$n" 2);ist.recv_addr=127.0.0.1:$(port "$n" 3);gcache.size=32M;gcache.dir=$d/data;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT5S;evs.install_timeout=PT5S"
	CNF
}

init_node() {
	local n=$1 d
	d=$(node_dir "$n")
	mkdir -p "$d/data"
	write_config "$n"
	[ "$(id -u)" = 0 ] && chown -R mysql:mysql "$d"
	if [ "$n" = 1 ] && [ ! -d "$d/data/mysql" ]; then
		mariadb-install-db --defaults-file="$d/my.cnf" --auth-root-authentication-method=normal \
			--skip-test-db >"$d/install.log" 2>&1 || {
			echo "mariadb-install-db for node$n failed:" >&2
			cat "$d/install.log" >&2
			return 1
		}
	fi
	[ "$(id -u)" = 0 ] && chown -R mysql:mysql "$d"
	return 0
}

start_node() { # node [extra args]
	local n=$1 d
	shift
	d=$(node_dir "$n")
	if pid_of "$n" >/dev/null; then
		return 0
	fi
	rm -f "$d/mariadbd.pid"
	: >"$d/error.log"
	[ "$(id -u)" = 0 ] && chown mysql:mysql "$d/error.log"
	# setsid and closed stdio: the node outlives this script and must not
	# hold the caller's pipes open.
	setsid "$mariadbd" --defaults-file="$d/my.cnf" "$@" </dev/null >>"$d/stdout.log" 2>&1 &
	echo $! >"$d/launch.pid"
}

wait_ready() { # node: waits until it is synced in a primary component
	local n=$1 launched i
	launched=$(cat "$(node_dir "$n")/launch.pid")
	for ((i = 0; i < ready_timeout * 4; i++)); do
		if ! alive "$launched"; then
			echo "node$n (pid $launched) exited while starting" >&2
			return 1
		fi
		if [ "$(status_var "$n" wsrep_ready)" = ON ] &&
			[ "$(status_var "$n" wsrep_local_state_comment)" = Synced ]; then
			return 0
		fi
		sleep 0.25
	done
	echo "node$n was not ready (wsrep_ready=ON, Synced) within ${ready_timeout}s" >&2
	return 1
}

print_logs() {
	local n f
	for n in "${nodes[@]}"; do
		for f in stdout.log error.log; do
			f="$(node_dir "$n")/$f"
			[ -s "$f" ] || continue
			echo "===== node$n $(basename "$f") (last 80 lines) =====" >&2
			tail -n 80 "$f" >&2
		done
	done
}

stop_nodes() {
	local n pid pids=()
	for n in "${nodes[@]}"; do
		if pid=$(pid_of "$n"); then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		elif [ -s "$(node_dir "$n")/launch.pid" ]; then
			# mariadbd may have died before writing its pid file, or be
			# still starting.
			pid=$(cat "$(node_dir "$n")/launch.pid")
			if alive "$pid"; then
				kill -TERM "$pid" 2>/dev/null || true
				pids+=("$pid")
			fi
		fi
	done
	local i
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 120; i++)); do
			alive "$pid" || break
			sleep 0.25
		done
		if alive "$pid"; then
			echo "pid $pid did not stop in 30 s: killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
}

fail_start() {
	echo "galera.sh: the cluster in $dir did not start" >&2
	print_logs
	stop_nodes
	exit 1
}

start_cluster() {
	command -v rsync >/dev/null || {
		echo "galera.sh: rsync is missing (the SST method)" >&2
		exit 1
	}
	[ -x "$mariadbd" ] || {
		echo "galera.sh: $mariadbd is missing" >&2
		exit 1
	}
	[ -e "$provider" ] || {
		echo "galera.sh: the wsrep provider $provider is missing (galera-4)" >&2
		exit 1
	}
	mkdir -p "$dir"
	# mariadbd runs as mysql when we are root: it must reach DIR.
	chmod 755 "$dir"
	local n
	for n in "${nodes[@]}"; do
		init_node "$n" || fail_start
	done
	local running=
	for n in "${nodes[@]}"; do
		pid_of "$n" >/dev/null && running="$running $n"
	done
	if [ -z "$running" ]; then
		# A cluster stopped as a whole may have left node 1 marked unsafe
		# to bootstrap; in a test cluster it is the one we bootstrap from.
		local grastate
		grastate="$(node_dir 1)/data/grastate.dat"
		[ -f "$grastate" ] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$grastate"
		start_node 1 --wsrep-new-cluster
		wait_ready 1 || fail_start
		client 1 "CREATE USER IF NOT EXISTS root@'127.0.0.1' IDENTIFIED BY '';
			GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
			CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4;" || fail_start
	fi
	# Nodes not running join the others (a node killed by a test rejoins
	# by IST or SST), one at a time: a donor serves one SST at a time.
	for n in "${nodes[@]}"; do
		start_node "$n"
		wait_ready "$n" || fail_start
	done
	local size first=${running:-1}
	first=${first# }
	first=${first%% *}
	size=$(status_var "$first" wsrep_cluster_size)
	if [ "$size" != "${#nodes[@]}" ]; then
		echo "galera.sh: wsrep_cluster_size is $size, want ${#nodes[@]}" >&2
		fail_start
	fi
	for n in "${nodes[@]}"; do
		echo "node$n 127.0.0.1:$(port "$n" 1) $(pid_of "$n")"
	done
}

status_cluster() {
	local n
	for n in "${nodes[@]}"; do
		if pid_of "$n" >/dev/null; then
			echo "node$n port $(port "$n" 1): $(client "$n" "SELECT CONCAT_WS(' ', VARIABLE_NAME, VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ('wsrep_ready','wsrep_cluster_size','wsrep_local_state_comment','wsrep_cluster_status')" | tr '\n' ' ')"
		else
			echo "node$n port $(port "$n" 1): not running"
		fi
	done
}

[ $# -eq 2 ] || usage
dir=$(realpath -m "$2")
case "$1" in
start) start_cluster ;;
stop) stop_nodes ;;
status) status_cluster ;;
logs) print_logs 2>&1 ;;
*) usage ;;
esac
