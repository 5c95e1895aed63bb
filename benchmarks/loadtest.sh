#!/usr/bin/env bash
# Load test of the Sheepdog gateway, in one command:
#
#   bash benchmarks/loadtest.sh                 # builds, then about 6 minutes of load
#   bash benchmarks/loadtest.sh --no-build      # uses the benchmarks/target/benchmarks.jar already built
#   DURATION=30s WARMUP=15s bash benchmarks/loadtest.sh
#   bash benchmarks/loadtest.sh --slow          # the slow scenario instead, about 5 minutes (below)
#   bash benchmarks/loadtest.sh --fleet         # two gateways sharing state in Redis, about 5 minutes (below)
#
# It starts an OpenAI-compatible upstream stub with zero think time (UpstreamStub), nginx as a
# plain reverse proxy in front of it, and the gateway in front of it (GatewayLauncher); drives each
# with wrk at several concurrencies, JSON and streaming; then drives the gateway on a model the
# stub fails 30 % of the time, which must fail over without a single error reaching the client.
# It prints one table and checks the targets. docs/benchmarks.md ("Load test") explains it.
#
# --slow: what a gateway really carries, LLM calls in flight. The stub answers JSON after 1 s and
# streams 20 chunks over 2 s; wrk drives nginx and the gateway at 100, 1,000 and 4,000 connections
# (the script raises the open-files limit), JSON and streams, checks that every stream ended with
# [DONE], and samples the gateway's thread count and RSS during each run for the table.
#
# --fleet: what sharing state through Redis costs. One gateway on the file store, driven directly
# and through nginx; two gateways each on its own file store behind nginx (what the second JVM on
# the same cores costs); then two gateways on one redis-server (Debian's, started here) behind
# nginx load-balancing them, zero-latency JSON. Every admission does a real fleet's work: the primary
# model has (far from reached) rate limits and the router a daily cap, so each request runs the
# shared limit's script and reads the day's spend in Redis in one round trip. The table gives
# req/s, p50 and p99 of each, and the p50 the fleet adds over one instance behind nginx.
#
# Settings (environment, or the flags in usage()):
#   DURATION=8s         each measured wrk run             WARMUP=10s  per target and mode, before measuring
#   GATEWAY_WARMUP=30s  once more for the gateway's JIT after it starts (half JSON, half streaming)
#   CONCURRENCY="1 16 64"  connections of the runs        MODES="json stream"
#   WRK_THREADS=1       wrk threads                       WRK_CPUS    CPUs wrk is pinned to (default: the last)
#   SERVER_CPUS=        CPUs stub, nginx and gateway are pinned to (default: not pinned)
#   STUB_THREADS=8      the stub's Jetty pool             NGINX_WORKERS=auto
#   STUB_PORT=18401 NGINX_PORT=18402 GATEWAY_PORT=18403 REDIS_PORT=18404 GATEWAY2_PORT=18405 (fleet)
#   FAIL_RATIO=0.3 SEED=42   the stub's failures on the flaky model
#   GATEWAY_JAVA_OPTS, STUB_JAVA_OPTS   JVM options
#   GATEWAY_CDS=1       start the gateway once to record a class-data-sharing archive, and measure
#                       the second start, which maps it (what a deployment using AppCDS sees)
#   GATEWAY_STATE=file  the gateway's state: file (SQLite in OUT_DIR, the default) or memory (--state)
#   STRICT=1            exit 3 when a target is missed
#   OUT_DIR             where logs and results go (default benchmarks/target/loadtest/<time>)
#   slow scenario: SLOW_CONCURRENCY="100 1000 4000"  SLOW_DURATION=20s  SLOW_WARMUP=5s
#                  SLOW_THINK_MS=1000 SLOW_SPAN_MS=2000 SLOW_CHUNKS=20  SLOW_GATEWAY_JAVA_OPTS
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jar=$here/target/benchmarks.jar

DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-10s}
GATEWAY_WARMUP=${GATEWAY_WARMUP:-30s}
CONCURRENCY=${CONCURRENCY:-"1 16 64"}
MODES=${MODES:-"json stream"}
WRK_THREADS=${WRK_THREADS:-1}
WRK_CPUS=${WRK_CPUS:-$(($(nproc) - 1))}
SERVER_CPUS=${SERVER_CPUS:-}
STUB_THREADS=${STUB_THREADS:-8}
NGINX_WORKERS=${NGINX_WORKERS:-auto}
STUB_PORT=${STUB_PORT:-18401}
NGINX_PORT=${NGINX_PORT:-18402}
GATEWAY_PORT=${GATEWAY_PORT:-18403}
REDIS_PORT=${REDIS_PORT:-18404}
GATEWAY2_PORT=${GATEWAY2_PORT:-18405}
FLEET=0
# what nginx proxies to: the stub, or the fleet's gateways
NGINX_UPSTREAMS=${NGINX_UPSTREAMS:-}
FAIL_RATIO=${FAIL_RATIO:-0.3}
SEED=${SEED:-42}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-"-Xms64m -Xmx160m -XX:+UseParallelGC"}
STUB_JAVA_OPTS=${STUB_JAVA_OPTS:-"-Xms64m -Xmx256m -XX:+UseParallelGC"}
STRICT=${STRICT:-0}
GATEWAY_CDS=${GATEWAY_CDS:-0}
BUILD=1
SLOW=0
# where the gateway keeps spend and deferred requests: file (SQLite, the gateway's default) or memory
GATEWAY_STATE=${GATEWAY_STATE:-file}
SLOW_CONCURRENCY=${SLOW_CONCURRENCY:-"100 1000 4000"}
SLOW_DURATION=${SLOW_DURATION:-20s}
SLOW_WARMUP=${SLOW_WARMUP:-5s}
SLOW_THINK_MS=${SLOW_THINK_MS:-1000}
SLOW_SPAN_MS=${SLOW_SPAN_MS:-2000}
SLOW_CHUNKS=${SLOW_CHUNKS:-20}
SLOW_GATEWAY_JAVA_OPTS=${SLOW_GATEWAY_JAVA_OPTS:-"-Xms64m -Xmx256m -XX:+UseParallelGC"}

# the models GatewayLauncher configures: PRIMARY falls back to deepseek-chat, and so does FLAKY
PRIMARY=gpt-4.1-mini
FLAKY=gemini-2.5-flash
CLIENT_KEY=sk-loadtest-client

usage() {
  cat <<EOF
usage: $0 [--no-build] [--duration 8s] [--warmup 10s] [--concurrency "1 16 64"] [--modes "json stream"]
          [--wrk-cpus N] [--server-cpus LIST] [--strict] [--slow] [--fleet] [--state file|memory]
Every setting can also be given in the environment; see the top of this script.
EOF
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --no-build) BUILD=0 ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --concurrency) CONCURRENCY=$2; shift ;;
    --modes) MODES=$2; shift ;;
    --wrk-cpus) WRK_CPUS=$2; shift ;;
    --server-cpus) SERVER_CPUS=$2; shift ;;
    --strict) STRICT=1 ;;
    --slow) SLOW=1 ;;
    --state) GATEWAY_STATE=$2; shift ;;
    --fleet) FLEET=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

OUT_DIR=${OUT_DIR:-$here/target/loadtest/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT_DIR"
results=$OUT_DIR/results.tsv
: >"$results"

log() { printf '[loadtest %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- tools ------------------------------------------------------------------------------------
ensure_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v curl >/dev/null || missing+=(curl)
  command -v taskset >/dev/null || missing+=(util-linux)
  [[ $FLEET -eq 0 ]] || command -v redis-server >/dev/null || missing+=(redis-server)
  if [[ ${#missing[@]} -gt 0 ]]; then
    log "installing ${missing[*]} from Debian"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    # waits for another apt-get holding the lock instead of failing
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600 install -y \
      --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v java >/dev/null || die "java (17+) is not on the PATH"
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
}

# --- build ------------------------------------------------------------------------------------
build() {
  if [[ $BUILD -eq 0 ]]; then
    [[ -f $jar ]] || die "$jar is missing: run without --no-build"
    log "using the jar already built: $jar ($(date -u -r "$jar" +%FT%TZ))"
    return
  fi
  log "building benchmarks.jar (mvn package -pl benchmarks -am, tests skipped)"
  (cd "$root" && flock /tmp/sheepdog-mvn.lock mvn -o -B -q -pl benchmarks -am package -DskipTests)
}

# --- processes --------------------------------------------------------------------------------
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# runs a server, pinned when SERVER_CPUS is set; always backgrounded with &, so exec makes $! the
# server's own pid (for VmHWM and for stopping it), not a subshell's
pinned() {
  if [[ -n $SERVER_CPUS ]]; then
    exec taskset -c "$SERVER_CPUS" "$@"
  else
    exec "$@"
  fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# waits until GET url answers 200, for up to $2 seconds
await_get() {
  local url=$1 deadline=$((SECONDS + $2))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true) == 200 ]]; do
    [[ $SECONDS -lt $deadline ]] || return 1
    sleep 0.05
  done
}

chat_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $CLIENT_KEY" \
    -d "{\"model\":\"$PRIMARY\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}" "$1/v1/chat/completions" || true
}

start_stub() { # extra options of the stub, such as its latency, may follow
  port_free "$STUB_PORT" || die "port $STUB_PORT (STUB_PORT) is taken"
  pinned java $STUB_JAVA_OPTS -cp "$jar" dev.sheepdog.benchmarks.load.UpstreamStub --port "$STUB_PORT" \
    --threads "$STUB_THREADS" --fail-model "$FLAKY" --fail-ratio "$FAIL_RATIO" --seed "$SEED" "$@" \
    >"$OUT_DIR/stub.log" 2>&1 &
  pids+=($!)
  await_get "http://127.0.0.1:$STUB_PORT/stub/stats" 30 || die "the stub did not start; see $OUT_DIR/stub.log"
  log "stub on :$STUB_PORT ($STUB_THREADS threads; $FLAKY fails $FAIL_RATIO of requests, seed $SEED)"
}

start_nginx() {
  port_free "$NGINX_PORT" || die "port $NGINX_PORT (NGINX_PORT) is taken"
  local dir=$OUT_DIR/nginx user_line=""
  mkdir -p "$dir"
  # as root the workers would drop to nobody, who may not reach the temp paths below
  [[ $(id -u) -ne 0 ]] || user_line="user root;"
  cat >"$dir/nginx.conf" <<EOF
# generated by benchmarks/loadtest.sh: a plain reverse proxy in front of the stub
$user_line
worker_processes $NGINX_WORKERS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  upstream stub {
$(for server in ${NGINX_UPSTREAMS:-127.0.0.1:$STUB_PORT}; do echo "    server $server;"; done)
    keepalive 1024;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # what an LLM proxy needs for server-sent events; the stub's answers are small either way
      proxy_buffering off;
    }
  }
}
EOF
  pinned "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' >"$dir/stdout.log" 2>&1 &
  pids+=($!)
  if [[ -z $NGINX_UPSTREAMS ]]; then
    await_get "http://127.0.0.1:$NGINX_PORT/stub/stats" 10 || die "nginx did not start; see $dir/error.log"
  else
    local deadline=$((SECONDS + 10))
    until [[ $(chat_status "http://127.0.0.1:$NGINX_PORT") == 200 ]]; do
      [[ $SECONDS -lt $deadline ]] || die "nginx did not start; see $dir/error.log"
      sleep 0.05
    done
  fi
  log "nginx on :$NGINX_PORT ($NGINX_WORKERS workers, upstream keepalive, access log off)"
}

# --- start the gateway ------------------------------------------------------------------------
# The one place that knows how the gateway is started. Until the YAML config and `sheepdog serve`
# land, GatewayLauncher builds the same setup in code (three models on the stub, fallbacks to
# deepseek-chat, retries off, circuits held closed, access log at WARN). Then this becomes:
#   pinned java $GATEWAY_JAVA_OPTS -jar "$root/gateway/target/sheepdog.jar" serve --config "$OUT_DIR/gateway.yaml" &
# Sets GATEWAY_PID, GATEWAY_STARTUP_MS (process start to first 200 on a chat completion) and
# GATEWAY_SELF_MS (what the gateway reports, from JVM start to listening).
start_gateway() {
  port_free "$GATEWAY_PORT" || die "port $GATEWAY_PORT (GATEWAY_PORT) is taken"
  local started=$(date +%s%N) now
  local state=()
  case $GATEWAY_STATE in
    file) rm -rf "$OUT_DIR/gateway-state"; state=(--state "$OUT_DIR/gateway-state") ;;
    memory) ;;
    *) die "GATEWAY_STATE (--state) must be file or memory, was $GATEWAY_STATE" ;;
  esac
  pinned java $GATEWAY_JAVA_OPTS "$@" -cp "$jar" dev.sheepdog.benchmarks.load.GatewayLauncher \
    --port "$GATEWAY_PORT" --upstream "http://127.0.0.1:$STUB_PORT/v1" --client-key "$CLIENT_KEY" "${state[@]}" \
    >"$OUT_DIR/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  pids+=("$GATEWAY_PID")
  until [[ $(chat_status "http://127.0.0.1:$GATEWAY_PORT") == 200 ]]; do
    kill -0 "$GATEWAY_PID" 2>/dev/null || die "the gateway exited; see $OUT_DIR/gateway.log"
    now=$(date +%s%N)
    [[ $(((now - started) / 1000000)) -lt 60000 ]] || die "the gateway served nothing for 60 s"
    sleep 0.02
  done
  now=$(date +%s%N)
  GATEWAY_STARTUP_MS=$(((now - started) / 1000000))
  GATEWAY_SELF_MS=$(sed -n 's/.*, \([0-9]*\) ms after the JVM started.*/\1/p' "$OUT_DIR/gateway.log" | head -1)
  log "gateway on :$GATEWAY_PORT, first chat completion served ${GATEWAY_STARTUP_MS} ms after the process started"
}

stop_gateway() {
  kill -TERM "$GATEWAY_PID"
  wait "$GATEWAY_PID" 2>/dev/null || true
  local kept=() pid
  for pid in "${pids[@]}"; do
    [[ $pid == "$GATEWAY_PID" ]] || kept+=("$pid")
  done
  pids=("${kept[@]}")
}

# GATEWAY_CDS=1: a first start records the classes the gateway loads into a class-data-sharing
# archive (JDK 13+ dynamic AppCDS), and the measured start maps it instead of parsing the jars
start_gateway_measured() {
  if [[ $GATEWAY_CDS == 1 ]]; then
    local archive=$OUT_DIR/gateway.jsa
    log "recording the gateway's class-data-sharing archive"
    start_gateway -XX:ArchiveClassesAtExit="$archive"
    stop_gateway
    [[ -f $archive ]] || die "no archive was written; see $OUT_DIR/gateway.log"
    start_gateway -XX:SharedArchiveFile="$archive"
  else
    start_gateway
  fi
}

# --- load -------------------------------------------------------------------------------------
# run_wrk TARGET MODE CONCURRENCY URL MODEL DURATION [record]
run_wrk() {
  local target=$1 mode=$2 c=$3 url=$4 model=$5 duration=$6 record=${7:-}
  local threads=$WRK_THREADS out line
  [[ $threads -le $c ]] || threads=$c
  out=$OUT_DIR/wrk-$target-$mode-c$c.txt
  [[ -n $record ]] || out=$OUT_DIR/warmup-$target-$mode.txt
  LOADTEST_MODEL=$model LOADTEST_STREAM=$([[ $mode == stream ]] && echo 1 || echo 0) LOADTEST_KEY=$CLIENT_KEY \
    taskset -c "$WRK_CPUS" wrk -t"$threads" -c"$c" -d"$duration" --timeout 10s -s "$here/loadtest.lua" \
    "$url/v1/chat/completions" >"$out" 2>&1 || die "wrk failed; see $out"
  line=$(grep '^LOADTEST ' "$out") || die "wrk printed no LOADTEST line; see $out"
  if [[ -n $record ]]; then
    # target mode concurrency requests duration_us status_errors socket_errors p50_us p99_us max_us
    echo "$line" | awk -v t="$target" -v m="$mode" -v c="$c" '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, m, c, v["requests"], v["duration_us"],
        v["status_errors"], v["socket_errors"], v["p50_us"], v["p99_us"], v["max_us"] }' >>"$results"
    log "$(tail -1 "$results" | awk -F'\t' '{ printf "%-16s %-6s c=%-3s %9.0f req/s  p50 %.3f ms  p99 %.3f ms  errors %d+%d",
      $1, $2, $3, $4 / ($5 / 1e6), $8 / 1000, $9 / 1000, $6, $7 }')"
  elif ! grep -q 'status_errors=0 socket_errors=0' <<<"$line"; then
    log "warning: errors while warming $target up ($mode): $line"
  fi
}

drive() {
  local target=$1 url=$2 model=$3 mode c
  for mode in $MODES; do
    run_wrk "$target" "$mode" 16 "$url" "$model" "$WARMUP"
    for c in $CONCURRENCY; do
      run_wrk "$target" "$mode" "$c" "$url" "$model" "$DURATION" record
    done
  done
}

to_seconds() { # 20s, 2m or 20 -> seconds
  case $1 in
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

stub_stats() {
  curl -s --max-time 2 "http://127.0.0.1:$STUB_PORT/stub/stats"
}

json_number() { # json_number FIELD JSON
  sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$2"
}

# --- report -----------------------------------------------------------------------------------
report() {
  local rss_kb=$1 startup_ms=$2 self_ms=$3 flaky_requests=$4 flaky_failed=$5
  awk -F'\t' -v rss_kb="$rss_kb" -v startup_ms="$startup_ms" -v self_ms="$self_ms" \
    -v flaky_requests="$flaky_requests" -v flaky_failed="$flaky_failed" -v concurrency="$CONCURRENCY" \
    -v modes="$MODES" -v strict="$STRICT" '
    function ms(us) { return sprintf("%.3f", us / 1000) }
    function verdict(ok) { if (!ok) missed++; return ok ? "PASS" : "MISS" }
    # a negative difference means the direct run was slower than the gateway at that percentile:
    # the machine, not the gateway, set the number, and the run says nothing about the target
    function added(us, limit) { if (us < 0) { noisy++; return "NOISY" } return verdict(us <= limit) }
    {
      k = $1 SUBSEP $2 SUBSEP $3
      rps[k] = $4 / ($5 / 1e6); p50[k] = $8; p99[k] = $9; bad[k] = $6 + $7; req[k] = $4
      seen[$1] = 1
    }
    END {
      nt = split("direct nginx gateway gateway-failover", targets, " ")
      nm = split(modes, ms_, " "); nc = split(concurrency, cs, " ")
      printf "\n%-17s %-6s %4s %10s %9s %9s %9s %8s\n", "target", "mode", "conc", "req/s", "p50 ms", "p99 ms",
        "requests", "non-2xx"
      for (t = 1; t <= nt; t++) { if (!(targets[t] in seen)) continue
        for (m = 1; m <= nm; m++) for (c = 1; c <= nc; c++) {
          k = targets[t] SUBSEP ms_[m] SUBSEP cs[c]; if (!(k in rps)) continue
          printf "%-17s %-6s %4s %10.0f %9s %9s %9d %8d\n", targets[t], ms_[m], cs[c], rps[k], ms(p50[k]),
            ms(p99[k]), req[k], bad[k]
        } }
      printf "\n%-6s %4s %13s %13s %13s %13s %13s %13s %10s\n", "mode", "conc", "nginx +p50", "nginx +p99",
        "gateway +p50", "gateway +p99", "failover +p50", "failover +p99", "gw/nginx"
      for (m = 1; m <= nm; m++) for (c = 1; c <= nc; c++) {
        d = "direct" SUBSEP ms_[m] SUBSEP cs[c]; n = "nginx" SUBSEP ms_[m] SUBSEP cs[c]
        g = "gateway" SUBSEP ms_[m] SUBSEP cs[c]; f = "gateway-failover" SUBSEP ms_[m] SUBSEP cs[c]
        printf "%-6s %4s %13s %13s %13s %13s %13s %13s %10s\n", ms_[m], cs[c],
          (n in p50) ? ms(p50[n] - p50[d]) : "-", (n in p99) ? ms(p99[n] - p99[d]) : "-",
          (g in p50) ? ms(p50[g] - p50[d]) : "-", (g in p99) ? ms(p99[g] - p99[d]) : "-",
          (f in p50) ? ms(p50[f] - p50[d]) : "-", (f in p99) ? ms(p99[f] - p99[d]) : "-",
          (g in rps && n in rps) ? sprintf("%.2f", rps[g] / rps[n]) : "-"
      }
      printf "\n(+p50/+p99: milliseconds over the direct run of the same mode and concurrency; gw/nginx: throughput ratio)\n"
      printf "gateway peak RSS (VmHWM): %.1f MB; first chat completion served %d ms after the process started", \
        rss_kb / 1024, startup_ms
      if (self_ms != "") printf " (listening %d ms after JVM start)", self_ms
      printf "\n"
      if (flaky_requests > 0) printf "failure variant: the stub failed %d of %d requests for the flaky model (%.1f %%)\n", \
        flaky_failed, flaky_requests, 100 * flaky_failed / flaky_requests

      printf "\nTargets\n"
      for (m = 1; m <= nm; m++) {
        d = "direct" SUBSEP ms_[m] SUBSEP 1; g = "gateway" SUBSEP ms_[m] SUBSEP 1
        if ((g in p50) && (d in p50)) {
          printf "  %-5s %-6s added p50 at concurrency 1 <= 0.3 ms   (%s ms)\n", added(p50[g] - p50[d], 300),
            ms_[m], ms(p50[g] - p50[d])
          printf "  %-5s %-6s added p99 at concurrency 1 <= 1 ms     (%s ms)\n", added(p99[g] - p99[d], 1000),
            ms_[m], ms(p99[g] - p99[d])
        }
        g = "gateway" SUBSEP ms_[m] SUBSEP 64; n = "nginx" SUBSEP ms_[m] SUBSEP 64
        if ((g in rps) && (n in rps))
          printf "  %-5s %-6s throughput at concurrency 64 >= 40 %% of nginx   (%.0f %%)\n",
            verdict(rps[g] >= 0.4 * rps[n]), ms_[m], 100 * rps[g] / rps[n]
      }
      printf "  %-5s peak RSS <= 300 MB   (%.1f MB)\n", verdict(rss_kb <= 300 * 1024), rss_kb / 1024
      printf "  %-5s first request served <= 2 s after start   (%d ms)\n", verdict(startup_ms <= 2000), startup_ms
      failed = 0; runs = 0
      for (k in bad) { split(k, parts, SUBSEP); if (parts[1] == "gateway-failover") { failed += bad[k]; runs++ } }
      if (runs > 0) printf "  %-5s failover: every request answered 2xx while the stub failed %.0f %% of the flaky model   (%d non-2xx)\n",
        verdict(failed == 0 && flaky_failed > 0), 100 * flaky_failed / (flaky_requests > 0 ? flaky_requests : 1), failed
      other = 0
      for (k in bad) { split(k, parts, SUBSEP); if (parts[1] != "gateway-failover") other += bad[k] }
      printf "  %-5s no errors on the healthy runs   (%d non-2xx or socket errors)\n", verdict(other == 0), other
      if (noisy > 0) printf "  (NOISY: the direct run was slower than the gateway run at that percentile; re-run on a quieter machine or with a longer DURATION)\n"
      exit (strict && missed > 0) ? 3 : 0
    }' "$results"
}

conditions() {
  printf 'Conditions: %s; %s CPUs (%s); load average %s; %s\n' "$(date -u +%FT%TZ)" "$(nproc)" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
    "$(java -version 2>&1 | sed -n 2p)"
  printf 'wrk: %s thread(s) pinned to CPU %s; each run %s after %s warmup per target and mode; servers pinned to %s\n' \
    "$WRK_THREADS" "$WRK_CPUS" "$DURATION" "$WARMUP" "${SERVER_CPUS:-no CPU}"
  printf 'stub: %s Jetty threads, %s; gateway: %s%s; nginx %s: %s workers\n' "$STUB_THREADS" "$STUB_JAVA_OPTS" \
    "$GATEWAY_JAVA_OPTS" "$([[ $GATEWAY_CDS == 1 ]] && echo ' with an AppCDS archive')" "$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')" "$NGINX_WORKERS"
}

# --- the slow scenario -------------------------------------------------------------------------
# sample_peaks PID FILE: until FILE.stop exists, the highest thread count and RSS (kB) of PID, every
# 100 ms, written to FILE as "threads rss_kb"
sample_peaks() {
  local pid=$1 file=$2 threads=0 rss=0 t r
  while [[ ! -f $file.stop ]] && kill -0 "$pid" 2>/dev/null; do
    read -r t r < <(awk '/^Threads:/ { t = $2 } /^VmRSS:/ { r = $2 } END { print t + 0, r + 0 }' "/proc/$pid/status")
    [[ $t -le $threads ]] || threads=$t
    [[ $r -le $rss ]] || rss=$r
    sleep 0.1
  done
  echo "$threads $rss" >"$file"
}

# run_slow TARGET MODE CONCURRENCY URL [PID to sample]
run_slow() {
  local target=$1 mode=$2 c=$3 url=$4 pid=${5:-} out line peaks=-
  out=$OUT_DIR/slow-$target-$mode-c$c.txt
  local threads=$WRK_THREADS
  [[ $threads -le $c ]] || threads=$c
  if [[ -n $pid ]]; then
    peaks=$OUT_DIR/peaks-$target-$mode-c$c
    sample_peaks "$pid" "$peaks" &
  fi
  LOADTEST_MODEL=$PRIMARY LOADTEST_STREAM=$([[ $mode == stream ]] && echo 1 || echo 0) LOADTEST_KEY=$CLIENT_KEY \
    LOADTEST_CHECK_DONE=$([[ $mode == stream ]] && echo 1 || echo 0) \
    taskset -c "$WRK_CPUS" wrk -t"$threads" -c"$c" -d"$SLOW_DURATION" --timeout 10s -s "$here/loadtest.lua" \
    "$url/v1/chat/completions" >"$out" 2>&1 || die "wrk failed; see $out"
  local thread_peak=- rss_peak=-
  if [[ -n $pid ]]; then
    touch "$peaks.stop"
    wait $! 2>/dev/null || true
    read -r thread_peak rss_peak <"$peaks"
  fi
  line=$(grep '^LOADTEST ' "$out") || die "wrk printed no LOADTEST line; see $out"
  # target mode concurrency requests duration_us status_errors socket_errors p50_us p99_us max_us incomplete
  # peak_threads peak_rss_kb
  echo "$line" | awk -v t="$target" -v m="$mode" -v c="$c" -v pt="$thread_peak" -v pr="$rss_peak" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, m, c, v["requests"], v["duration_us"],
      v["status_errors"], v["socket_errors"], v["p50_us"], v["p99_us"], v["max_us"], v["incomplete"], pt, pr }' \
    >>"$results"
  log "$(tail -1 "$results" | awk -F'\t' '{ printf "%-8s %-6s c=%-4s %7.0f req/s  p50 %.3f s  p99 %.3f s  errors %d+%d  incomplete %d  threads %s  rss %s kB",
    $1, $2, $3, $4 / ($5 / 1e6), $8 / 1e6, $9 / 1e6, $6, $7, $11, $12, $13 }')"
}

report_slow() {
  awk -F'\t' -v concurrency="$SLOW_CONCURRENCY" -v strict="$STRICT" '
    function verdict(ok) { if (!ok) missed++; return ok ? "PASS" : "MISS" }
    {
      k = $1 SUBSEP $2 SUBSEP $3
      rps[k] = $4 / ($5 / 1e6); p50[k] = $8; p99[k] = $9; bad[k] = $6 + $7; req[k] = $4; inc[k] = $11
      thr[k] = $12; rss[k] = $13
    }
    END {
      nc = split(concurrency, cs, " ")
      printf "\n%-8s %-6s %5s %8s %8s %8s %9s %8s %10s %8s %9s\n", "target", "mode", "conc", "req/s", "p50 s",
        "p99 s", "requests", "non-2xx", "incomplete", "threads", "RSS MB"
      split("nginx gateway", targets, " "); split("json stream", modes, " ")
      for (t = 1; t <= 2; t++) for (m = 1; m <= 2; m++) for (c = 1; c <= nc; c++) {
        k = targets[t] SUBSEP modes[m] SUBSEP cs[c]; if (!(k in rps)) continue
        printf "%-8s %-6s %5s %8.0f %8.3f %8.3f %9d %8d %10d %8s %9s\n", targets[t], modes[m], cs[c], rps[k],
          p50[k] / 1e6, p99[k] / 1e6, req[k], bad[k], inc[k], thr[k], (rss[k] == "-") ? "-" : sprintf("%.0f", rss[k] / 1024)
      }
      printf "\nTargets (slow upstream: JSON after 1 s, streams of 20 chunks over 2 s)\n"
      g = "gateway" SUBSEP "json" SUBSEP 1000; n = "nginx" SUBSEP "json" SUBSEP 1000
      if ((g in rps) && (n in rps)) {
        printf "  %-5s json   at 1,000 connections: >= 95 %% of nginx req/s   (%.0f %%)\n",
          verdict(rps[g] >= 0.95 * rps[n]), 100 * rps[g] / rps[n]
        printf "  %-5s json   at 1,000 connections: p50 <= 1.05 s   (%.3f s)\n", verdict(p50[g] <= 1050000), p50[g] / 1e6
        printf "  %-5s json   at 1,000 connections: p99 <= 1.3 s   (%.3f s)\n", verdict(p99[g] <= 1300000), p99[g] / 1e6
      }
      g = "gateway" SUBSEP "stream" SUBSEP 1000
      if (g in rps) {
        printf "  %-5s stream at 1,000 connections: every stream complete   (%d non-2xx, %d without [DONE])\n",
          verdict(bad[g] == 0 && inc[g] == 0), bad[g], inc[g]
        printf "  %-5s stream at 1,000 connections: p99 of the whole stream <= 2.4 s   (%.3f s)\n",
          verdict(p99[g] <= 2400000), p99[g] / 1e6
      }
      for (m = 1; m <= 2; m++) {
        g = "gateway" SUBSEP modes[m] SUBSEP 4000; if (!(g in rps)) continue
        printf "  %-5s %-6s at 4,000 connections: peak RSS <= 600 MB   (%.0f MB)\n", verdict(rss[g] <= 600 * 1024),
          modes[m], rss[g] / 1024
        printf "  %-5s %-6s at 4,000 connections: peak threads <= 100   (%d)\n", verdict(thr[g] <= 100), modes[m], thr[g]
        printf "  %-5s %-6s at 4,000 connections: no errors   (%d non-2xx or socket errors, %d incomplete)\n",
          verdict(bad[g] == 0 && inc[g] == 0), modes[m], bad[g], inc[g]
      }
      exit (strict && missed > 0) ? 3 : 0
    }' "$results"
}

main_slow() {
  ensure_tools
  # thousands of connections through the stub, nginx, the gateway and wrk: files for all of them
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  [[ $(ulimit -n) -ge 20000 ]] || log "warning: the open-files limit is $(ulimit -n); 4,000 connections need more"
  build
  log "slow scenario; results and logs in $OUT_DIR"
  STUB_THREADS=${STUB_THREADS_SLOW:-16}
  STUB_JAVA_OPTS=${STUB_JAVA_OPTS_SLOW:-"-Xms64m -Xmx512m -XX:+UseParallelGC"}
  start_stub --think-ms "$SLOW_THINK_MS" --stream-span-ms "$SLOW_SPAN_MS" --chunks "$SLOW_CHUNKS"
  start_nginx
  GATEWAY_JAVA_OPTS=$SLOW_GATEWAY_JAVA_OPTS
  start_gateway
  local nginx=http://127.0.0.1:$NGINX_PORT gw=http://127.0.0.1:$GATEWAY_PORT mode c saved=$SLOW_DURATION
  SLOW_DURATION=$SLOW_WARMUP
  for mode in json stream; do
    run_slow warmup-nginx "$mode" 100 "$nginx"
    run_slow warmup-gateway "$mode" 100 "$gw"
  done
  SLOW_DURATION=$saved
  : >"$results"
  for mode in json stream; do
    for c in $SLOW_CONCURRENCY; do
      run_slow nginx "$mode" "$c" "$nginx"
      run_slow gateway "$mode" "$c" "$gw" "$GATEWAY_PID"
    done
  done
  DURATION=$SLOW_DURATION WARMUP=$SLOW_WARMUP
  {
    conditions
    printf 'slow scenario: each run %s after a %s warmup; stub: JSON after %s ms, %s chunks over %s ms; gateway: %s\n' \
      "$SLOW_DURATION" "$SLOW_WARMUP" "$SLOW_THINK_MS" "$SLOW_CHUNKS" "$SLOW_SPAN_MS" "$SLOW_GATEWAY_JAVA_OPTS"
    report_slow
  } | tee "$OUT_DIR/report.txt"
}

# --- fleet: two gateways sharing state in Redis, behind nginx ---------------------------------
start_redis() {
  port_free "$REDIS_PORT" || die "port $REDIS_PORT (REDIS_PORT) is taken"
  mkdir -p "$OUT_DIR/redis"
  pinned redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$OUT_DIR/redis" --loglevel warning >"$OUT_DIR/redis/redis.log" 2>&1 &
  pids+=($!)
  local deadline=$((SECONDS + 10))
  until [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; do
    [[ $SECONDS -lt $deadline ]] || die "redis-server did not start; see $OUT_DIR/redis/redis.log"
    sleep 0.05
  done
  log "redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p') on :$REDIS_PORT (no persistence)"
}

# start_fleet_gateway PORT NAME ARGS... : a GatewayLauncher, waited for until it answers
start_fleet_gateway() {
  local port=$1 name=$2
  shift 2
  port_free "$port" || die "port $port is taken"
  pinned java $GATEWAY_JAVA_OPTS -cp "$jar" dev.sheepdog.benchmarks.load.GatewayLauncher \
    --port "$port" --upstream "http://127.0.0.1:$STUB_PORT/v1" --client-key "$CLIENT_KEY" "$@" \
    >"$OUT_DIR/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local deadline=$((SECONDS + 60))
  until [[ $(chat_status "http://127.0.0.1:$port") == 200 ]]; do
    kill -0 "$pid" 2>/dev/null || die "$name exited; see $OUT_DIR/$name.log"
    [[ $SECONDS -lt $deadline ]] || die "$name served nothing for 60 s"
    sleep 0.05
  done
  log "$name on :$port ($*)"
  FLEET_PID=$pid
}

stop_pids() {
  local pid
  for pid in "$@"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

report_fleet() {
  echo
  conditions
  echo "mode: zero-latency JSON; one = one gateway on the file store, two = two gateways each on its own file store,"
  echo "fleet = two gateways sharing state on one redis-server"
  printf '%-26s %4s %10s %10s %10s %8s\n' target c req/s p50_ms p99_ms errors
  awk -F'\t' '$2 == "json" { printf "%-26s %4s %10.0f %10.3f %10.3f %8d\n", $1, $3, $4 / ($5 / 1e6), $8 / 1000,
    $9 / 1000, $6 + $7 }' "$results"
  echo
  echo "p50 the fleet adds over one instance behind nginx (of which a second JVM on the same cores, and sharing state):"
  awk -F'\t' '$2 == "json" { p50[$1 "/" $3] = $8; if ($1 == "fleet-2x-nginx") cs[$3] = 1 }
    END { for (c in cs) printf "  c=%-4s %+.3f ms (%+.3f ms, %+.3f ms)\n", c,
      (p50["fleet-2x-nginx/" c] - p50["one-file-nginx/" c]) / 1000,
      (p50["two-file-nginx/" c] - p50["one-file-nginx/" c]) / 1000,
      (p50["fleet-2x-nginx/" c] - p50["two-file-nginx/" c]) / 1000 }' \
    "$results" | sort -t= -k2 -n
}

main_fleet() {
  ensure_tools
  build
  log "results and logs in $OUT_DIR"
  MODES=json
  start_stub
  start_redis
  local gw=http://127.0.0.1:$GATEWAY_PORT nginx=http://127.0.0.1:$NGINX_PORT half
  half=$(( $(to_seconds "$GATEWAY_WARMUP") / 2 ))
  rm -rf "$OUT_DIR/gateway-state"
  start_fleet_gateway "$GATEWAY_PORT" gateway-file --state "$OUT_DIR/gateway-state"
  local single=$FLEET_PID
  NGINX_UPSTREAMS="127.0.0.1:$GATEWAY_PORT" start_nginx
  local nginx_pid=${pids[-1]}
  [[ $half -le 0 ]] || run_wrk gateway-jit json 16 "$gw" "$PRIMARY" "$((half * 2))s"
  drive one-file "$gw" "$PRIMARY"
  drive one-file-nginx "$nginx" "$PRIMARY"
  stop_pids "$nginx_pid" "$single"
  # two instances each on its own file store: what a second JVM on the same cores costs, apart
  # from what sharing state costs
  rm -rf "$OUT_DIR/gateway-state-1" "$OUT_DIR/gateway-state-2"
  start_fleet_gateway "$GATEWAY_PORT" gateway-file-1 --state "$OUT_DIR/gateway-state-1"
  local file1=$FLEET_PID
  start_fleet_gateway "$GATEWAY2_PORT" gateway-file-2 --state "$OUT_DIR/gateway-state-2"
  local file2=$FLEET_PID
  NGINX_UPSTREAMS="127.0.0.1:$GATEWAY_PORT 127.0.0.1:$GATEWAY2_PORT" start_nginx
  nginx_pid=${pids[-1]}
  [[ $half -le 0 ]] || run_wrk gateway-jit json 16 "$nginx" "$PRIMARY" "$((half * 2))s"
  drive two-file-nginx "$nginx" "$PRIMARY"
  stop_pids "$nginx_pid" "$file1" "$file2"
  start_fleet_gateway "$GATEWAY_PORT" gateway-redis-1 --redis "redis://127.0.0.1:$REDIS_PORT"
  local one=$FLEET_PID
  start_fleet_gateway "$GATEWAY2_PORT" gateway-redis-2 --redis "redis://127.0.0.1:$REDIS_PORT"
  local two=$FLEET_PID
  NGINX_UPSTREAMS="127.0.0.1:$GATEWAY_PORT 127.0.0.1:$GATEWAY2_PORT" start_nginx
  [[ $half -le 0 ]] || run_wrk gateway-jit json 16 "$nginx" "$PRIMARY" "$((half * 2))s"
  drive fleet-2x-nginx "$nginx" "$PRIMARY"
  local commands
  commands=$(redis-cli -p "$REDIS_PORT" info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p' | tr -d '\r')
  grep -q 'STATE_STORE_FAILING' "$OUT_DIR"/gateway-redis-*.log && log "warning: a gateway lost Redis during the run"
  {
    report_fleet
    echo
    echo "redis-server processed $commands commands in all (the scripts' own commands included)"
  } | tee "$OUT_DIR/report.txt"
}

main() {
  if [[ $SLOW -eq 1 ]]; then
    main_slow
    return
  fi
  if [[ $FLEET -eq 1 ]]; then
    main_fleet
    return
  fi
  ensure_tools
  build
  log "results and logs in $OUT_DIR"
  start_stub
  start_nginx
  start_gateway_measured
  local stub=http://127.0.0.1:$STUB_PORT nginx=http://127.0.0.1:$NGINX_PORT gw=http://127.0.0.1:$GATEWAY_PORT
  drive direct "$stub" "$PRIMARY"
  drive nginx "$nginx" "$PRIMARY"
  local half=$(( $(to_seconds "$GATEWAY_WARMUP") / 2 ))
  if [[ $half -gt 0 ]]; then
    log "warming the gateway's JIT up for $GATEWAY_WARMUP"
    run_wrk gateway-jit json 16 "$gw" "$PRIMARY" "${half}s"
    run_wrk gateway-jit stream 16 "$gw" "$PRIMARY" "${half}s"
  fi
  drive gateway "$gw" "$PRIMARY"
  local before after
  before=$(stub_stats)
  drive gateway-failover "$gw" "$FLAKY"
  after=$(stub_stats)
  local flaky_requests=$(($(json_number fail_model_requests "$after") - $(json_number fail_model_requests "$before")))
  local flaky_failed=$(($(json_number failed "$after") - $(json_number failed "$before")))
  local rss_kb
  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$GATEWAY_PID/status")
  {
    conditions
    report "$rss_kb" "$GATEWAY_STARTUP_MS" "$GATEWAY_SELF_MS" "$flaky_requests" "$flaky_failed"
  } | tee "$OUT_DIR/report.txt"
}

main
