#!/usr/bin/env bash
# User-agent parsers compared (bench/RESULTS.md, section 5): for uap-java as the pipeline uses it (uap), uap-java
# without the pipeline's bot patterns (uap-library-only), and for Yauaa with
# the four fields the pipeline needs, each in a fresh JVM with the container's heap flags, RUNS times: load time, heap
# retained and RSS with the parser loaded, agreement with the test table (src/test/resources/enrich/user-agents.tsv).
# Then, unless SKIP_JMH=1, ns per parse cached and uncached (UserAgentParserBenchmark).
# Settings (environment): RUNS=3 JAVA (default: java on PATH) JMH_ARGS
# Usage: bench/user-agent-parsers.sh
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
JAVA=${JAVA:-java}
JVM_FLAGS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75.0 -XX:+UseSerialGC"

./mvnw -q -B -Pbench test-compile
CLASSPATH_FILE=$(mktemp /tmp/ua-cp.XXXXXX)
trap 'rm -f "$CLASSPATH_FILE"' EXIT
./mvnw -q -B -Pbench dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CLASSPATH_FILE" >/dev/null
CP="target/test-classes:target/classes:$(cat "$CLASSPATH_FILE")"

echo "load1 at start: $(cut -d' ' -f1 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
  for parser in uap uap-library-only yauaa; do
    # shellcheck disable=SC2086 # JVM_FLAGS is a list of flags
    "$JAVA" $JVM_FLAGS -cp "$CP" dev.pixelpipeline.bench.UserAgentProbe "$parser" 2>/dev/null \
      | sed "s/^/run $run, load1 $(cut -d' ' -f1 /proc/loadavg): /" | grep -v -e ': $' -e ' INFO '
  done
done
if [ "${SKIP_JMH:-0}" != "1" ]; then
  ./mvnw -q -B -Pbench exec:exec -Djmh.args="UserAgentParserBenchmark ${JMH_ARGS:--wi 3 -w 2s -i 5 -r 2s}"
fi
