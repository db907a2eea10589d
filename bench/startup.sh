#!/usr/bin/env bash
# Start-up benchmark: wall time from launching the JVM to /actuator/health/readiness answering UP, for pixel-pipeline
# (embedded store in a temporary file) and for the bare endpoint app (bench/bare-endpoint), each started
#   jar17        as the fat jar on JDK 17                     java -jar app.jar
#   extracted17  from the extracted layers on JDK 17          java -jar extracted/app.jar  (the Dockerfile's layout)
#   cds17        the same with a CDS archive from a training run (-XX:ArchiveClassesAtExit, spring.context.exit)
#   extracted25  from the extracted layers on JDK 25
#   aot25        the same with a JDK 25 AOT cache from a training run (-XX:AOTCacheOutput, then -XX:AOTCache)
# and as deployed: the gcp profile (BigQuery sink, push authentication, Pub/Sub dead-letter topic, Cloud Monitoring
# export) with the environment of deploy/cloud-run.yaml, its Google endpoints pointed at local stand-ins (the REST fake
# FakeBigQueryServer answers the dataset and table look-ups of readiness; Pub/Sub, the token keys and Cloud
# Monitoring's MetricService is the tests' gRPC stand-in (MetricServiceStandInServer in src/bench/java: the registry
# publishes on shutdown); Pub/Sub and the token keys are pointed at closed loopback ports: neither is called before
# readiness, their clients connect lazily)
#   gcp25        extracted, JDK 25, no cache
#   gcpimage25   extracted, JDK 25, the AOT cache trained by the Dockerfile's training RUN (read from the Dockerfile)
#   gcplocal25   extracted, JDK 25, an AOT cache trained on the local defaults (in-memory store), as the image did before
#   gcptrained25 extracted, JDK 25, an AOT cache trained in the gcp profile against the same stand-ins
#   gcplazy25    gcptrained25 with spring.main.lazy-initialization=true (what a first push does not need waits for it)
# Settings (environment): RUNS=3 PORT=18090 BQ_PORT=19070 JAVA17 JAVA25 JVM_FLAGS (the container flags below)
#   SKIP_BUILD=1 SERVER_CPUS to pin the JVM with taskset.
# Usage: bench/startup.sh [mode...]
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-3}
PORT=${PORT:-18090}
JAVA17=${JAVA17:-$(command -v java)}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
# deploy/jvm-flags of the container image, plus -XX:MaxRAM to size the JVM as in a 512 MiB instance on a machine
# without that cgroup limit, and the serial collector that the JVM picks by itself on one vCPU.
JVM_FLAGS=${JVM_FLAGS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=50.0 -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -Djava.security.egd=file:/dev/./urandom}
MODES=("$@")
if [ ${#MODES[@]} -eq 0 ]; then
  MODES=(jar17 extracted17 cds17 extracted25 aot25)
fi
WORK=$(mktemp -d /tmp/pixel-startup.XXXXXX)
RESULTS_DIR="$ROOT/bench/results"
mkdir -p "$RESULTS_DIR"
RAW="$RESULTS_DIR/startup-$(date -u +%Y%m%dT%H%M%SZ).tsv"
APP_PID=""
FAKE_PID=""
MONITORING_PID=""
MONITORING_HOST=""
BQ_PORT=${BQ_PORT:-19070}
# The gcp profile's environment as deploy/cloud-run.yaml sets it, endpoints on loopback (see above).
GCP_ENV=(SPRING_PROFILES_ACTIVE=gcp GOOGLE_CLOUD_PROJECT=bench PIPELINE_BIGQUERY_PROJECTID=bench
  PIPELINE_BIGQUERY_DATASET=pixel_tracking PIPELINE_BIGQUERY_HOST="http://127.0.0.1:$BQ_PORT"
  PIPELINE_PUSH_AUTH_AUDIENCE=https://pixel.example.com/pubsub/push
  PIPELINE_PUSH_AUTH_SERVICEACCOUNTS=push@bench.iam.gserviceaccount.com
  PIPELINE_DEADLETTER_TOPIC=projects/bench/topics/pixel-bad-rows
  SPRING_CLOUD_GCP_PUBSUB_EMULATORHOST=127.0.0.1:$((BQ_PORT + 1))
  SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWKSETURI="http://127.0.0.1:$((BQ_PORT + 2))/oauth2/v3/certs"
  K_SERVICE=pixel-pipeline K_REVISION=bench)

cleanup() {
  if [ -n "$APP_PID" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  if [ -n "$FAKE_PID" ]; then kill "$FAKE_PID" 2>/dev/null || true; wait "$FAKE_PID" 2>/dev/null || true; fi
  if [ -n "$MONITORING_PID" ]; then
    kill "$MONITORING_PID" 2>/dev/null || true
    wait "$MONITORING_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != "1" ]; then
  # -Pbench: the Monitoring stand-in runs from target/test-classes with the test classpath.
  ./mvnw -q -B -Pbench -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench-classpath.txt
  ./mvnw -q -B -f bench/bare-endpoint/pom.xml -DskipTests package
fi
APP_JAR=$(find target -maxdepth 1 -name 'pixel-pipeline-*.jar' ! -name '*-plain.jar' | head -1)
BARE_JAR=$(find bench/bare-endpoint/target -maxdepth 1 -name 'bare-endpoint-*.jar' ! -name '*-plain.jar' | head -1)

extract() { # extract <jar> <dir>: the Dockerfile's layer extraction and layer copies, merged into one directory
  local jar=$1 dir=$2
  mkdir -p "$dir"
  cp "$jar" "$dir/app.jar"
  "$JAVA17" -Djarmode=tools -jar "$dir/app.jar" extract --layers --destination "$dir/layers" >/dev/null
  mkdir -p "$dir/app"
  for layer in dependencies spring-boot-loader snapshot-dependencies application; do
    cp -r "$dir/layers/$layer/." "$dir/app/"
  done
}

now_ms() { date +%s%3N; }

# time_to_ready <java> <workdir> <extra flags and -jar args...>: prints milliseconds to readiness UP
time_to_ready() {
  local java=$1 dir=$2
  shift 2
  local launcher=()
  if [ -n "${SERVER_CPUS:-}" ]; then launcher=(taskset -c "$SERVER_CPUS"); fi
  rm -rf "$WORK/data"
  local start
  start=$(now_ms)
  # shellcheck disable=SC2086
  (cd "$dir" && exec env "${RUN_ENV[@]}" "${launcher[@]}" "$java" $JVM_FLAGS "$@" --server.port="$PORT" \
    --pipeline.embedded.path="$WORK/data/pixel.duckdb") >"$WORK/app.log" 2>&1 &
  APP_PID=$!
  while ! curl -fs "http://127.0.0.1:$PORT/actuator/health/readiness" 2>/dev/null | grep -q UP; do
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      echo "start-up failed:" >&2
      tail -20 "$WORK/app.log" >&2
      exit 1
    fi
    sleep 0.02
  done
  local ready
  ready=$(now_ms)
  local rss
  rss=$(awk '$1 == "VmRSS:" { print int($2 / 1024) }' "/proc/$APP_PID/status")
  kill "$APP_PID"
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
  echo "$((ready - start)) $rss"
}

train() { # train <java> <dir> <flags...>: a training run that exits once the context is refreshed, in RUN_ENV
  local java=$1 dir=$2
  shift 2
  # shellcheck disable=SC2086
  (cd "$dir" && env "${RUN_ENV[@]}" "$java" $JVM_FLAGS "$@" -Dspring.context.exit=onRefresh -jar app.jar \
    --server.port=0 --pipeline.embedded.path=:memory:) >"$WORK/train.log" 2>&1 || true
}

start_fake_bigquery() {
  if [ -z "$FAKE_PID" ]; then
    "$JAVA25" src/bench/java/dev/pixelpipeline/bench/FakeBigQueryServer.java "$BQ_PORT" 75 \
      >"$WORK/fake-bigquery.log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 1 150); do
      curl -fs "http://127.0.0.1:$BQ_PORT/stats" >/dev/null 2>&1 && return 0
      sleep 0.2
    done
    echo "fake BigQuery did not start" >&2
    exit 1
  fi
  if [ -z "$MONITORING_PID" ]; then
    if [ ! -f target/test-classes/dev/pixelpipeline/bench/MetricServiceStandInServer.class ]; then
      echo "gcp modes need the -Pbench build (a build without -Pbench recompiles target/test-classes without" \
        "src/bench/java): run without SKIP_BUILD=1" >&2
      exit 1
    fi
    "$JAVA25" -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
      dev.pixelpipeline.bench.MetricServiceStandInServer >"$WORK/monitoring.log" 2>&1 &
    MONITORING_PID=$!
    for _ in $(seq 1 150); do
      MONITORING_HOST=$(grep -m1 -oE '^[0-9.]+:[0-9]+$' "$WORK/monitoring.log" || true)
      [ -n "$MONITORING_HOST" ] && return 0
      sleep 0.2
    done
    echo "MetricService stand-in did not start" >&2
    cat "$WORK/monitoring.log" >&2
    exit 1
  fi
}

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
  echo "port $PORT is already in use; set PORT to a free one" >&2
  exit 1
fi

printf 'app\tmode\trun\tload1\tready_ms\trss_mib\n' >"$RAW"
APPS=(pixel-pipeline bare-endpoint)
declare -A JAVA_OF WHERE_OF FLAGS_OF ENV_OF
for app in "${APPS[@]}"; do
  jar=$APP_JAR
  [ "$app" = bare-endpoint ] && jar=$BARE_JAR
  extract "$jar" "$WORK/$app"
done
# The two apps are started alternately, run by run, so that a change in the shared host's speed (it varies by tens
# of percent within minutes) or the load left by a previous run falls on both alike and the ratio stays fair.
for mode in "${MODES[@]}"; do
  for app in "${APPS[@]}"; do
    jar=$APP_JAR
    [ "$app" = bare-endpoint ] && jar=$BARE_JAR
    dir="$WORK/$app"
    RUN_ENV=(PATH="$PATH")
    case "$mode" in
      gcp*)
        start_fake_bigquery
        RUN_ENV+=("${GCP_ENV[@]}" PIPELINE_METRICS_MONITORINGHOST="$MONITORING_HOST") ;;
    esac
    case "$mode" in
      jar17) java=$JAVA17; where=$ROOT; flags=(-jar "$ROOT/$jar") ;;
      extracted17) java=$JAVA17; where=$dir/app; flags=(-jar app.jar) ;;
      cds17)
        java=$JAVA17; where=$dir/app
        rm -f "$dir/app/app.jsa"
        train "$JAVA17" "$dir/app" -XX:ArchiveClassesAtExit=app.jsa
        flags=(-XX:SharedArchiveFile=app.jsa -jar app.jar) ;;
      extracted25) java=$JAVA25; where=$dir/app; flags=(-jar app.jar) ;;
      aot25)
        java=$JAVA25; where=$dir/app
        rm -f "$dir/app/app.aot"
        train "$JAVA25" "$dir/app" -XX:AOTCacheOutput=app.aot
        flags=(-XX:AOTCache=app.aot -jar app.jar) ;;
      gcp25) java=$JAVA25; where=$dir/app; flags=(-jar app.jar) ;;
      gcpimage25)
        java=$JAVA25; where=$dir/app
        rm -f "$dir/app/app.aot"
        # The exec-form RUN ["java", "@jvm-flags", ...] of the Dockerfile, its java and @jvm-flags replaced.
        mapfile -t run < <(grep '^RUN \["java", "@jvm-flags"' Dockerfile | sed 's/^RUN \[//; s/\]$//; s/", "/\n/g; s/"//g' \
          | tail -n +3)
        # shellcheck disable=SC2086
        (cd "$dir/app" && env PATH="$PATH" "$JAVA25" $JVM_FLAGS "${run[@]}") >"$WORK/train.log" 2>&1 || true
        flags=(-XX:AOTCache=app.aot -jar app.jar) ;;
      gcplocal25)
        java=$JAVA25; where=$dir/app
        rm -f "$dir/app/app.aot"
        saved_env=("${RUN_ENV[@]}")
        RUN_ENV=(PATH="$PATH")
        train "$JAVA25" "$dir/app" -XX:AOTCacheOutput=app.aot
        RUN_ENV=("${saved_env[@]}")
        flags=(-XX:AOTCache=app.aot -jar app.jar) ;;
      gcptrained25 | gcplazy25)
        java=$JAVA25; where=$dir/app
        rm -f "$dir/app/app.aot"
        train "$JAVA25" "$dir/app" -XX:AOTCacheOutput=app.aot
        flags=(-XX:AOTCache=app.aot -jar app.jar)
        if [ "$mode" = gcplazy25 ]; then flags=(-Dspring.main.lazy-initialization=true "${flags[@]}"); fi ;;
      *) echo "unknown mode $mode (jar17 extracted17 cds17 extracted25 aot25 gcp25 gcpimage25 gcplocal25" \
        "gcptrained25 gcplazy25)" >&2; exit 1 ;;
    esac
    JAVA_OF[$app]=$java
    WHERE_OF[$app]=$where
    FLAGS_OF[$app]=$(printf '%s\n' "${flags[@]}")
    ENV_OF[$app]=$(printf '%s\n' "${RUN_ENV[@]}")
  done
  for run in $(seq 1 "$RUNS"); do
    for app in "${APPS[@]}"; do
      java=${JAVA_OF[$app]}
      where=${WHERE_OF[$app]}
      mapfile -t flags <<<"${FLAGS_OF[$app]}"
      mapfile -t RUN_ENV <<<"${ENV_OF[$app]}"
      load1=$(cut -d' ' -f1 /proc/loadavg)
      read -r ms rss < <(time_to_ready "$java" "$where" "${flags[@]}")
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$mode" "$run" "$load1" "$ms" "$rss" | tee -a "$RAW"
    done
  done
done

echo
echo "Raw results: $RAW"
awk -F'\t' '
NR == 1 { next }
{ key = $1 " " $2; if (!(key in n)) order[++count] = key; n[key]++; v[key, n[key]] = $5; l[key] = l[key] " " $4
  r[key] = $6 }
END {
  print "| app | mode | runs | load1 | ready ms median [min-max] | RSS at ready MiB |"
  print "|---|---|---|---|---|---|"
  for (i = 1; i <= count; i++) {
    k = order[i]; m = n[k]
    for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[k, b] < v[k, a]) { t = v[k, a]; v[k, a] = v[k, b]; v[k, b] = t }
    split(k, parts, " ")
    printf "| %s | %s | %d | %s | %d [%d-%d] | %s |\n", parts[1], parts[2], m, l[k], v[k, int((m + 1) / 2)], v[k, 1], v[k, m], r[k]
  }
}' "$RAW"
