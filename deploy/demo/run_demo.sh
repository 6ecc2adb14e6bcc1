#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The whole alerting pipeline on one machine, from Debian packages:
# exporter -> Prometheus (shipped rules) -> Alertmanager -> pager stand-in.
# Everything listens on 127.0.0.1; Ctrl+C stops all of it.
#
# usage: deploy/demo/run_demo.sh [--exporter PATH] [--duration SECONDS]
#   --exporter  exporter binary (default build/exporter/ephemeral_port_exporter,
#               built with deploy/build.sh when missing)
#   --duration  stop by itself after SECONDS (default: run until Ctrl+C)
# Ports (environment): EPX_DEMO_EXPORTER_PORT=19152 EPX_DEMO_PROMETHEUS_PORT=9090
#   EPX_DEMO_ALERTMANAGER_PORT=9093 EPX_DEMO_PAGER_PORT=9095
# State lives in a temporary directory (EPX_DEMO_DIR to choose it), removed
# on exit unless EPX_DEMO_KEEP=1.
#
# Run as root to attribute every process's sockets (otherwise only your
# own processes are named); installing the packages also needs root.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
demo=$repo/deploy/demo

exporter=$repo/build/exporter/ephemeral_port_exporter
duration=
while [ $# -gt 0 ]; do
  case "$1" in
    --exporter) exporter=$2; shift 2 ;;
    --exporter=*) exporter=${1#*=}; shift ;;
    --duration) duration=$2; shift 2 ;;
    --duration=*) duration=${1#*=}; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run_demo: unknown argument $1" >&2; exit 2 ;;
  esac
done
exporter_port=${EPX_DEMO_EXPORTER_PORT:-19152}
prom_port=${EPX_DEMO_PROMETHEUS_PORT:-9090}
am_port=${EPX_DEMO_ALERTMANAGER_PORT:-9093}
pager_port=${EPX_DEMO_PAGER_PORT:-9095}

say() { echo "run_demo: $*"; }
die() { echo "run_demo: $*" >&2; EPX_DEMO_KEEP=1; exit 1; }

# Packages: prometheus, prometheus-alertmanager, python3, curl.
missing=()
for p in prometheus prometheus-alertmanager python3 curl; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}; install them (as root): apt-get install ${missing[*]}"
  say "installing ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x "$exporter" ]; then
  [ "$exporter" = "$repo/build/exporter/ephemeral_port_exporter" ] || die "no exporter binary at $exporter"
  say "building the exporter (deploy/build.sh)"
  bash "$repo/deploy/deps.sh"
  bash "$repo/deploy/build.sh" -DEPX_BUILD_TESTS=OFF
fi

for port in "$exporter_port" "$prom_port" "$am_port" "$pager_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port on 127.0.0.1 is taken; choose others with the EPX_DEMO_*_PORT variables"
  fi
done

dir=${EPX_DEMO_DIR:-$(mktemp -d /tmp/epx-demo.XXXXXX)}
mkdir -p "$dir/prometheus" "$dir/alertmanager" "$dir/pager"
pids=()
stopping=
stop_all() {
  [ -z "$stopping" ] || return 0
  stopping=1
  local pid _
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${EPX_DEMO_KEEP:-0}" = 1 ]; then say "state kept in $dir"; else rm -rf "$dir"; fi
  say "stopped"
}
trap stop_all EXIT
trap 'exit 0' INT TERM

# Configs: the demo's own files with the chosen ports; the rules file is
# the shipped one, beside prometheus.yml (see its rule_files comment).
sed -e "s/127.0.0.1:19152/127.0.0.1:$exporter_port/" \
    -e "s/127.0.0.1:9090/127.0.0.1:$prom_port/" \
    -e "s/127.0.0.1:9093/127.0.0.1:$am_port/" \
    "$demo/prometheus.yml" >"$dir/prometheus/prometheus.yml"
cp "$repo/deploy/prometheus/ephemeral-port-rules.yml" "$dir/prometheus/"
sed -e "s/127.0.0.1:9095/127.0.0.1:$pager_port/" "$demo/alertmanager.yml" \
  >"$dir/alertmanager/alertmanager.yml"
promtool check config "$dir/prometheus/prometheus.yml" >"$dir/promtool.log" 2>&1 \
  || { cat "$dir/promtool.log" >&2; die "prometheus config invalid"; }
amtool check-config "$dir/alertmanager/alertmanager.yml" >"$dir/amtool.log" 2>&1 \
  || { cat "$dir/amtool.log" >&2; die "alertmanager config invalid"; }

wait_up() {  # wait_up NAME URL PID
  local _
  for _ in $(seq 150); do
    curl -fsS -o /dev/null --max-time 2 "$2" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || die "$1 exited; see $dir/$1.log"
    sleep 0.2
  done
  die "$1 did not answer $2 within 30 s; see $dir/$1.log"
}

(cd "$dir/pager" && exec python3 -u "$demo/pager.py" 127.0.0.1 "$pager_port") \
  > >(tee "$dir/pager.log") 2>&1 &
pids+=($!)
wait_up pager "http://127.0.0.1:$pager_port/" "${pids[-1]}"

"$exporter" --web.listen-address="127.0.0.1:$exporter_port" \
  --config.file="$repo/deploy/config/ephemeral-port-exporter.yml" >"$dir/exporter.log" 2>&1 &
pids+=($!)
wait_up exporter "http://127.0.0.1:$exporter_port/-/healthy" "${pids[-1]}"

prometheus-alertmanager --config.file="$dir/alertmanager/alertmanager.yml" \
  --storage.path="$dir/alertmanager/data" --web.listen-address="127.0.0.1:$am_port" \
  --cluster.listen-address= >"$dir/alertmanager.log" 2>&1 &
pids+=($!)
wait_up alertmanager "http://127.0.0.1:$am_port/-/ready" "${pids[-1]}"

prometheus --config.file="$dir/prometheus/prometheus.yml" \
  --storage.tsdb.path="$dir/prometheus/data" --web.listen-address="127.0.0.1:$prom_port" \
  >"$dir/prometheus.log" 2>&1 &
pids+=($!)
wait_up prometheus "http://127.0.0.1:$prom_port/-/ready" "${pids[-1]}"

cat <<EOF
run_demo: up (state in $dir)
  exporter      http://127.0.0.1:$exporter_port/metrics   (pid ${pids[1]})
  prometheus    http://127.0.0.1:$prom_port/alerts          (pid ${pids[3]})
  alertmanager  http://127.0.0.1:$am_port/                 (pid ${pids[2]})
  pager         http://127.0.0.1:$pager_port/  pages print below (pid ${pids[0]})
  try:          curl -s 'http://127.0.0.1:$prom_port/api/v1/query?query=instance:ephemeral_port_exhaustion_ratio:max'
  console:      $exporter report
Ctrl+C stops everything.
EOF

deadline=
[ -z "$duration" ] || deadline=$((SECONDS + duration))
while :; do
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a component (pid $pid) exited; logs in $dir"
  done
  if [ -n "$deadline" ] && [ $SECONDS -ge "$deadline" ]; then
    say "duration of ${duration}s reached"
    break
  fi
  sleep 1
done
