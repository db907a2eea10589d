#!/usr/bin/env bash
# Load benchmark of POST /pubsub/push on loopback, bounded in time. Prints a table and keeps the raw lines in
# bench/results/. Scenarios (default: bare embedded bq80u1 bq80 bq1000 pw80 pw1000, in this order):
#   bare        the bare Spring MVC endpoint (bench/bare-endpoint): reads the body, answers 204; the ceiling
#   embedded    pixel-pipeline with the embedded DuckDB sink, concurrency 80 (Cloud Run's default)
#   bq<C>       template layout (insertAll) against FakeBigQueryServer answering after BQ_LATENCY_MS, concurrency C,
#               e.g. bq80, bq1000
#   pw<C>       partitioned layout (Storage Write API) against FakeBigQueryWriteServer (gRPC, same latency), with
#               FakeBigQueryServer for the table look-ups, concurrency C, e.g. pw80, pw1000
#   <any>u<N>   the same with N distinct user ids instead of USERS, e.g. bq80u1 (one user: one table per batch)
#   sweep       pw80 pw250 pw500 pw1000 (SWEEP_KIND=bq for the template layout) with the server pinned to CPU 0 and wrk
#               to CPU 1 unless SERVER_CPUS/WRK_CPUS say otherwise: sizes containerConcurrency for one vCPU
# Settings (environment): RUNS=3 DURATION=15s WARMUP=20s USERS=1000 PORT=18080 BQ_PORT=19050 WRITE_PORT=19060
#   WRITE_STATS_PORT=19061 BQ_LATENCY_MS=75, JAVA (java on PATH; e.g. /usr/lib/jvm/temurin-25-jdk-amd64/bin/java, the
#   image's JVM; its version is recorded per run), JAVA_OPTS (the container memory flags below), EXTRA_JAVA_OPTS (added
#   to them, e.g. a JFR recording), SKIP_BUILD=1 to reuse built jars, SERVER_CPUS / WRK_CPUS (e.g. 0 and 1) to pin the
#   server and wrk with taskset; unset, they share all cores.
#   APP_JAR: another build of pixel-pipeline to measure (a copy of an earlier target/*.jar), for A/B comparisons.
#   APP_ARGS: more arguments for pixel-pipeline, e.g. APP_ARGS="--pipeline.bigquery.batch.writers=8" to try a setting.
# Columns: bq_requests_per_1000 counts insertAll calls (REST fake) plus AppendRows requests (gRPC fake) per 1,000
#   pushes; cpu_s_per_1000 the server's CPU-seconds per 1,000 pushes; cpu_util its CPU-seconds per wall second of
#   the measured window (1.0 = one core busy); vm_hwm_mib its peak RSS.
# Usage: bench/load.sh [scenario...]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-20s}
PORT=${PORT:-18080}
BQ_PORT=${BQ_PORT:-19050}
WRITE_PORT=${WRITE_PORT:-19060}
WRITE_STATS_PORT=${WRITE_STATS_PORT:-19061}
BQ_LATENCY_MS=${BQ_LATENCY_MS:-75}
USERS=${USERS:-1000}
JAVA=${JAVA:-java}
JAVA_VERSION=$("$JAVA" -version 2>&1 | head -1 | grep -oE '"[^"]+"' | tr -d '"')
# A 512 MiB Cloud Run instance: the JVM sizes itself as in a 512 MiB container (MaxRAM stands in for the cgroup
# limit, which this machine does not set), heap 75 % of it.
# Serial GC is what the JVM picks by itself in such a container (under 2 CPUs or under 1792 MiB).
JAVA_OPTS=${JAVA_OPTS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseSerialGC}
JAVA_OPTS="$JAVA_OPTS ${EXTRA_JAVA_OPTS:-}"
SCENARIOS=()
for scenario in "$@"; do
  if [ "$scenario" = sweep ]; then
    # One vCPU for the server, one for wrk: what one Cloud Run instance of cpu: 1 has.
    SERVER_CPUS=${SERVER_CPUS-0}
    WRK_CPUS=${WRK_CPUS-1}
    for c in 80 250 500 1000; do SCENARIOS+=("${SWEEP_KIND:-pw}$c"); done
  else
    SCENARIOS+=("$scenario")
  fi
done
if [ ${#SCENARIOS[@]} -eq 0 ]; then
  SCENARIOS=(bare embedded bq80u1 bq80 bq1000 pw80 pw1000)
fi
WORK=$(mktemp -d /tmp/pixel-bench.XXXXXX)
RESULTS_DIR="$ROOT/bench/results"
mkdir -p "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW="$RESULTS_DIR/load-$STAMP.tsv"
CLK_TCK=$(getconf CLK_TCK)
APP_PID=""
FAKE_PID=""
WRITE_FAKE_PID=""
WRITE_FAKE=src/bench/java/dev/pixelpipeline/bench/FakeBigQueryWriteServer.java

cleanup() {
  if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  if [ -n "$FAKE_PID" ]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
  if [ -n "$WRITE_FAKE_PID" ]; then
    kill "$WRITE_FAKE_PID" 2>/dev/null || true
    wait "$WRITE_FAKE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != "1" ]; then
  echo "Building pixel-pipeline, the bench classes and the bare endpoint..."
  # -Pbench compiles src/bench/java into target/test-classes (the Storage Write API fake runs from there) and writes
  # the test classpath the fake needs (gRPC, the BigQuery Storage protos) to target/bench-classpath.txt.
  ./mvnw -q -B -Pbench -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
  ./mvnw -q -B -f bench/bare-endpoint/pom.xml -DskipTests package
fi
APP_JAR=${APP_JAR:-$(find target -maxdepth 1 -name 'pixel-pipeline-*.jar' ! -name '*-plain.jar' | head -1)}
BARE_JAR=$(find bench/bare-endpoint/target -maxdepth 1 -name 'bare-endpoint-*.jar' ! -name '*-plain.jar' | head -1)

pin() { # pin <cpus> <command...>
  local cpus=$1
  shift
  if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

start_app() { # start_app <jar> <args...>
  local jar=$1
  shift
  if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
    echo "port $PORT is already in use; set PORT to a free one" >&2
    exit 1
  fi
  local launcher=()
  if [ -n "${SERVER_CPUS:-}" ]; then launcher=(taskset -c "$SERVER_CPUS"); fi
  # taskset execs java, so $! is the JVM's pid either way.
  local extra=()
  if [ "$jar" = "$APP_JAR" ] && [ -n "${APP_ARGS:-}" ]; then read -r -a extra <<<"$APP_ARGS"; fi
  # shellcheck disable=SC2086
  "${launcher[@]}" "$JAVA" $JAVA_OPTS -jar "$jar" --server.port="$PORT" "$@" "${extra[@]}" >"$WORK/app.log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 600); do
    if curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" 2>/dev/null | grep -q UP; then
      return 0
    fi
    kill -0 "$APP_PID" 2>/dev/null || { echo "app exited during start-up:" >&2; tail -30 "$WORK/app.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "app not ready after 120 s" >&2
  tail -30 "$WORK/app.log" >&2
  exit 1
}

stop_app() {
  kill "$APP_PID" 2>/dev/null || true
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

start_fake_bigquery() {
  if [ -z "$FAKE_PID" ]; then
    "$JAVA" src/bench/java/dev/pixelpipeline/bench/FakeBigQueryServer.java "$BQ_PORT" "$BQ_LATENCY_MS" \
      >"$WORK/fake-bigquery.log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 1 150); do
      curl -fs "http://127.0.0.1:$BQ_PORT/stats" >/dev/null 2>&1 && return 0
      sleep 0.2
    done
    echo "fake BigQuery did not start" >&2
    cat "$WORK/fake-bigquery.log" >&2
    exit 1
  fi
}

start_fake_write_api() {
  if [ -z "$WRITE_FAKE_PID" ]; then
    if [ ! -f "$WRITE_FAKE" ] || [ ! -s target/bench-classpath.txt ] \
      || [ ! -f target/test-classes/dev/pixelpipeline/bench/FakeBigQueryWriteServer.class ]; then
      # A build without -Pbench recompiles target/test-classes without src/bench/java.
      echo "pw scenarios need $WRITE_FAKE and a build with -Pbench (run without SKIP_BUILD=1)" >&2
      exit 1
    fi
    "$JAVA" -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
      dev.pixelpipeline.bench.FakeBigQueryWriteServer "$WRITE_PORT" "$BQ_LATENCY_MS" "$WRITE_STATS_PORT" \
      >"$WORK/fake-write-api.log" 2>&1 &
    WRITE_FAKE_PID=$!
    for _ in $(seq 1 150); do
      curl -fs "http://127.0.0.1:$WRITE_STATS_PORT/stats" >/dev/null 2>&1 && return 0
      kill -0 "$WRITE_FAKE_PID" 2>/dev/null || break
      sleep 0.2
    done
    echo "fake Storage Write API did not start" >&2
    cat "$WORK/fake-write-api.log" >&2
    exit 1
  fi
}

fake_calls() { # BigQuery requests so far: insertAll calls plus AppendRows requests, 0 without fakes
  local total=0 port
  for port in ${FAKE_PID:+$BQ_PORT} ${WRITE_FAKE_PID:+$WRITE_STATS_PORT}; do
    total=$((total + $(curl -fs "http://127.0.0.1:$port/stats" | grep -oE '"calls":[0-9]+' | cut -d: -f2)))
  done
  echo "$total"
}

cpu_ticks() { # utime + stime of a process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

status_kb() { # status_kb <pid> <field>
  awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

heap_used_kb() {
  # "garbage-first heap total 123K, used 45K" / "def new generation total ..., used ..." lines: sum the used
  jcmd "$1" GC.heap_info 2>/dev/null | grep -oE 'used [0-9]+K' | grep -oE '[0-9]+' | head -2 | paste -sd+ | bc \
    || echo 0
}

printf 'scenario\trun\tload1\tconcurrency\trequests\trps\tp50_ms\tp99_ms\tp999_ms\tnon2xx\tsocket_errors\tbq_requests_per_1000\tcpu_s_per_1000\tvm_hwm_mib\trss_mib\theap_used_mib\tusers\tjava\tcpu_util\tserver_cpus\n' >"$RAW"

run_scenario() { # run_scenario <name> <concurrency> <users> <jar> <app args...>
  local name=$1 conns=$2 users=$3 jar=$4
  shift 4
  for run in $(seq 1 "$RUNS"); do
    local load1
    load1=$(cut -d' ' -f1 /proc/loadavg)
    rm -f "$WORK"/*.duckdb "$WORK"/*.duckdb.wal
    start_app "$jar" "$@"
    # Warm-up: JIT, connection set-up, table creation.
    pin "${WRK_CPUS:-}" wrk -t2 -c"$conns" -d"$WARMUP" --timeout 10s -s bench/push.lua "http://127.0.0.1:$PORT" \
      -- src/test/resources/fixtures/push-wrapped.json "warm$STAMP$run$name" "$users" >/dev/null
    local calls_before calls_after
    calls_before=$(fake_calls)
    local before after wall_before wall_after
    before=$(cpu_ticks "$APP_PID")
    wall_before=$(date +%s%N)
    local out
    out=$(pin "${WRK_CPUS:-}" wrk -t2 -c"$conns" -d"$DURATION" --timeout 10s -s bench/push.lua \
      "http://127.0.0.1:$PORT" -- src/test/resources/fixtures/push-wrapped.json "$STAMP$run$name" "$users" \
      | grep '^RESULT')
    after=$(cpu_ticks "$APP_PID")
    wall_after=$(date +%s%N)
    calls_after=$(fake_calls)
    local hwm rss heap
    hwm=$(status_kb "$APP_PID" VmHWM)
    rss=$(status_kb "$APP_PID" VmRSS)
    heap=$(heap_used_kb "$APP_PID")
    stop_app
    local requests rps p50 p99 p999 non2xx errors
    requests=$(grep -oE 'requests=[0-9]+' <<<"$out" | cut -d= -f2)
    rps=$(grep -oE 'rps=[0-9.]+' <<<"$out" | cut -d= -f2)
    p50=$(grep -oE 'p50_ms=[0-9.]+' <<<"$out" | cut -d= -f2)
    p99=$(grep -oE 'p99_ms=[0-9.]+' <<<"$out" | cut -d= -f2)
    p999=$(grep -oE 'p999_ms=[0-9.]+' <<<"$out" | cut -d= -f2)
    non2xx=$(grep -oE 'non2xx=[0-9]+' <<<"$out" | cut -d= -f2)
    errors=$(grep -oE '(connect|read|write)_errors=[0-9]+|timeouts=[0-9]+' <<<"$out" | cut -d= -f2 | paste -sd+ | bc)
    local calls cpu
    local calls cpu util
    calls=$(awk -v c=$((calls_after - calls_before)) -v r="$requests" -v f="$FAKE_PID" \
      'BEGIN { if (f == "") print "-"; else printf "%.2f", c * 1000 / r }')
    cpu=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v r="$requests" 'BEGIN { printf "%.3f", t / hz * 1000 / r }')
    util=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v ns=$((wall_after - wall_before)) \
      'BEGIN { printf "%.2f", t / hz / (ns / 1e9) }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" \
      "$load1" "$conns" "$requests" "$rps" "$p50" "$p99" "$p999" "$non2xx" "$errors" "$calls" "$cpu" "$((hwm / 1024))" \
      "$((rss / 1024))" "$((heap / 1024))" "$users" "$JAVA_VERSION" "$util" "${SERVER_CPUS:-all}" | tee -a "$RAW"
  done
}

BQ_ARGS=(--pipeline.sink=bigquery --pipeline.bigquery.host="http://127.0.0.1:$BQ_PORT"
  --pipeline.bigquery.project-id=bench --pipeline.embedded.path="$WORK/bench.duckdb")
echo "JDK $JAVA_VERSION ($JAVA), $USERS users unless the scenario says u<N>, server CPUs ${SERVER_CPUS:-all}," \
  "wrk CPUs ${WRK_CPUS:-all}"
for scenario in "${SCENARIOS[@]}"; do
  users=$USERS
  base=$scenario
  if [[ $scenario =~ ^(.+)u([0-9]+)$ ]]; then
    base=${BASH_REMATCH[1]}
    users=${BASH_REMATCH[2]}
  fi
  case "$base" in
    bare) run_scenario "$scenario" 80 "$users" "$BARE_JAR" ;;
    embedded)
      run_scenario "$scenario" 80 "$users" "$APP_JAR" --pipeline.sink=embedded \
        --pipeline.embedded.path="$WORK/bench.duckdb" ;;
    bq[0-9]*)
      start_fake_bigquery
      run_scenario "$scenario" "${base#bq}" "$users" "$APP_JAR" "${BQ_ARGS[@]}" ;;
    pw[0-9]*)
      start_fake_bigquery
      start_fake_write_api
      run_scenario "$scenario" "${base#pw}" "$users" "$APP_JAR" "${BQ_ARGS[@]}" \
        --pipeline.bigquery.layout=partitioned --pipeline.bigquery.write-api-host="127.0.0.1:$WRITE_PORT" ;;
    *) echo "unknown scenario $scenario (bare, embedded, bq<C>, pw<C>, sweep; optional suffix u<users>)" >&2; exit 1 ;;
  esac
done

echo
echo "Raw results: $RAW"
bench/summarize.sh "$RAW"
