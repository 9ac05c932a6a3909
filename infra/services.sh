#!/usr/bin/env bash
# Makes Redis 7, NATS with JetStream and PostgreSQL reachable at REDIS_URL, NATS_URL and DATABASE_URL.
# A server already listening is reused. Otherwise, for a loopback address, the server is installed from Debian's
# packages when missing (needs root) and started on loopback. Idempotent: run it as often as you like.
set -euo pipefail

REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
NATS_URL=${NATS_URL:-nats://127.0.0.1:4222}
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dropline}
WAIT_SECONDS=${SERVICES_WAIT_SECONDS:-30}

say() { printf 'services: %s\n' "$*"; }
fail() { printf 'services: %s\n' "$*" >&2; exit 1; }

# host and port of a URL: scheme://[user[:pass]@]host[:port][/...]
host_of() { local rest=${1#*://}; rest=${rest%%/*}; rest=${rest##*@}; if [[ $rest == \[* ]]; then rest=${rest#[}; echo "${rest%%]*}"; else echo "${rest%%:*}"; fi; }
port_of() { local rest=${1#*://}; rest=${rest%%/*}; rest=${rest##*@}; rest=${rest##*]}; if [[ $rest == *:* ]]; then echo "${rest##*:}"; else echo "$2"; fi; }
is_loopback() { [[ $1 == localhost || $1 == 127.* || $1 == ::1 ]]; }
listening() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
wait_for() {
  local name=$1 host=$2 port=$3 deadline=$((SECONDS + WAIT_SECONDS))
  until listening "$host" "$port"; do
    ((SECONDS < deadline)) || fail "$name did not start listening on $host:$port within ${WAIT_SECONDS}s"
    sleep 0.2
  done
}

# NATS greets a client with an INFO line; it has "jetstream":true when JetStream is on. Empty if unreadable.
# shellcheck disable=SC2016 # $0 and $1 are expanded by the inner bash
nats_info() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r info <&3 && printf %s "$info"' "$1" "$2" 2>/dev/null || true; }

apt_updated=0
install_packages() {
  [[ $(id -u) == 0 ]] || fail "$* not installed and not root: install them (sudo apt-get install -y $*) or start the servers yourself"
  command -v apt-get >/dev/null || fail "$* not installed and apt-get not found: install them with your package manager"
  if ((apt_updated == 0)); then
    say "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "installing $* from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_redis() {
  local host port; host=$(host_of "$REDIS_URL"); port=$(port_of "$REDIS_URL" 6379)
  if listening "$host" "$port"; then say "found Redis at $host:$port"; return; fi
  is_loopback "$host" || fail "Redis is not reachable at $host:$port (REDIS_URL); start it or correct the URL"
  if ! command -v redis-server >/dev/null; then
    install_packages redis-server
    # The package may have started a server of its own.
    if listening "$host" "$port"; then say "found Redis at $host:$port (started by its package)"; return; fi
  fi
  local dir=/var/lib/redis log=/var/log/redis
  [[ $(id -u) == 0 ]] || { dir=${XDG_STATE_HOME:-$HOME/.local/state}/dropline/redis; log=$dir; }
  mkdir -p "$dir" "$log"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --dir "$dir" --logfile "$log/dropline.log"
  wait_for Redis "$host" "$port"
  say "started Redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) at $host:$port"
}

# Debian's nats-server package runs nats-server.service (systemd, user nats) with /etc/nats-server.conf, which has no
# JetStream: add it there, so that it also holds after a reboot, and restart the service. Fails if that is not the case.
enable_package_jetstream() {
  local port=$1 conf=/etc/nats-server.conf dir=/var/lib/nats-server/service
  [[ $(id -u) == 0 && -f $conf ]] || return 1
  grep -Eq "^[[:space:]]*port[[:space:]]*[:=]?[[:space:]]*${port}[[:space:]]*\$" "$conf" || return 1
  systemctl is-active --quiet nats-server.service 2>/dev/null || return 1
  if ! grep -Eq '^[[:space:]]*jetstream' "$conf"; then
    printf '\n# Added by dropline infra/services.sh\njetstream {\n  store_dir: "%s"\n}\n' "$dir" >>"$conf"
    say "NATS: enabled JetStream in $conf (store in $dir)"
  fi
  mkdir -p "$dir"
  chown -R nats:nats "$dir"
  systemctl restart nats-server.service
}

ensure_nats() {
  local host port; host=$(host_of "$NATS_URL"); port=$(port_of "$NATS_URL" 4222)
  local found="found NATS"
  if ! listening "$host" "$port"; then
    is_loopback "$host" || fail "NATS is not reachable at $host:$port (NATS_URL); start it or correct the URL"
    if ! command -v nats-server >/dev/null && [[ ! -x /usr/sbin/nats-server ]]; then
      install_packages nats-server
      found="found NATS (started by its package)"
    fi
  fi
  if listening "$host" "$port"; then
    local info; info=$(nats_info "$host" "$port")
    if [[ -z $info ]]; then say "$found at $host:$port (JetStream must be on: nats-server -js)"; return; fi
    if [[ $info == *'"jetstream":true'* ]]; then say "$found with JetStream at $host:$port"; return; fi
    # A server without JetStream: Debian's service, started by the package, is given JetStream; any other is an error.
    if ! is_loopback "$host" || ! enable_package_jetstream "$port"; then
      fail "NATS at $host:$port runs without JetStream: restart it with -js (or a jetstream {} block in its configuration)"
    fi
    wait_for NATS "$host" "$port"
    [[ $(nats_info "$host" "$port") == *'"jetstream":true'* ]] || fail "NATS at $host:$port still has no JetStream; see /etc/nats-server.conf and journalctl -u nats-server"
    say "restarted NATS (nats-server.service) with JetStream at $host:$port"
    return
  fi
  local bin; bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  local dir=/var/lib/nats-server log=/var/log/nats-server.log
  [[ $(id -u) == 0 ]] || { dir=${XDG_STATE_HOME:-$HOME/.local/state}/dropline/nats; log=$dir/nats-server.log; }
  mkdir -p "$dir"
  start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$dir/nats-$port.pid" \
    --exec "$bin" -- -a 127.0.0.1 -p "$port" -js -sd "$dir" -l "$log"
  wait_for NATS "$host" "$port"
  say "started NATS with JetStream at $host:$port"
}

ensure_postgres() {
  local host port; host=$(host_of "$DATABASE_URL"); port=$(port_of "$DATABASE_URL" 5432)
  if listening "$host" "$port"; then say "found PostgreSQL at $host:$port"; return; fi
  is_loopback "$host" || fail "PostgreSQL is not reachable at $host:$port (DATABASE_URL); start it or correct the URL"
  local installed=0
  if ! command -v pg_lsclusters >/dev/null; then install_packages postgresql; installed=1; fi
  [[ $(id -u) == 0 ]] || fail "PostgreSQL is installed but not running, and starting it needs root (pg_ctlcluster ... start)"
  local cluster; cluster=$(pg_lsclusters -h | awk -v p="$port" '$3 == p { print $1 " " $2; exit }')
  if [[ -z $cluster ]]; then
    local version; version=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    pg_createcluster "$version" dropline --port "$port" >/dev/null
    cluster="$version dropline"; installed=1
  fi
  if ((installed)); then
    # A cluster made here trusts loopback connections, as DATABASE_URL's default has no password.
    local hba; hba=/etc/postgresql/${cluster% *}/${cluster#* }/pg_hba.conf
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    say "PostgreSQL ${cluster% *}: trusting loopback connections ($hba)"
  fi
  # shellcheck disable=SC2086
  if pg_lsclusters -h | awk -v c="$cluster" '$1 " " $2 == c && $4 == "online" { found = 1 } END { exit !found }'; then
    pg_ctlcluster --skip-systemctl-redirect $cluster reload   # started by its package: pick up pg_hba.conf
  else
    pg_ctlcluster --skip-systemctl-redirect $cluster start
  fi
  wait_for PostgreSQL "$host" "$port"
  say "started PostgreSQL ${cluster% *} at $host:$port"
}

ensure_redis
ensure_nats
ensure_postgres
