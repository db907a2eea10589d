#!/usr/bin/env bash
# What user-agent enrichment adds to start-up (bench/RESULTS.md, section 5): the fat jar started with
# pipeline.enrich.user-agent=true and =false alternately, RUNS times each, with the container's JVM flags; wall time
# from launch to /actuator/health/readiness UP (which waits for the parser, loaded in the background), RSS at ready,
# and the parser's own load time from its log line. SKIP_BUILD=1 reuses target/*.jar.
# Settings (environment): RUNS=3 PORT=18091 JAVA (default: java on PATH) JVM_FLAGS SKIP_BUILD
# Usage: bench/enrich-startup.sh
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
PORT=${PORT:-18091}
JAVA=${JAVA:-java}
JVM_FLAGS=${JVM_FLAGS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=50.0 -XX:+UseSerialGC}
if [ "${SKIP_BUILD:-0}" != "1" ]; then
  ./mvnw -q -B -DskipTests package
fi
JAR=$(find target -maxdepth 1 -name 'pixel-pipeline-*.jar' ! -name '*-plain.jar' | head -1)
WORK=$(mktemp -d /tmp/enrich-startup.XXXXXX)
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

printf 'enrich\trun\tload1\tready_ms\trss_mib\tparser_load_ms\n'
for run in $(seq 1 "$RUNS"); do
  for enrich in true false; do
    load1=$(cut -d' ' -f1 /proc/loadavg)
    start=$(now_ms)
    # shellcheck disable=SC2086 # JVM_FLAGS is a list of flags
    "$JAVA" $JVM_FLAGS -jar "$JAR" --server.port="$PORT" --pipeline.embedded.path=:memory: \
      --pipeline.enrich.user-agent="$enrich" >"$WORK/app.log" 2>&1 &
    APP_PID=$!
    while ! curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" 2>/dev/null | grep -q UP; do
      if ! kill -0 "$APP_PID" 2>/dev/null; then echo "start-up failed:" >&2; tail -20 "$WORK/app.log" >&2; exit 1; fi
      sleep 0.02
    done
    ready=$(( $(now_ms) - start ))
    rss=$(awk '$1 == "VmRSS:" { print int($2 / 1024) }' "/proc/$APP_PID/status")
    parser=$(grep -o 'User-agent parser loaded in [0-9]* ms' "$WORK/app.log" | grep -o '[0-9]*' || echo -)
    kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$enrich" "$run" "$load1" "$ready" "$rss" "$parser"
  done
done
