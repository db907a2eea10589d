#!/usr/bin/env bash
# Replays undeliverable messages through the pipeline after an outage. When the push subscription's delivery
# attempts run out (MAX_DELIVERY_ATTEMPTS: a long BigQuery outage, sustained 429/503), Pub/Sub's dead-letter policy
# forwards each message to the undeliverable topic, where UNDELIVERABLE_SUBSCRIPTION keeps it. This runs the service
# in pull mode on that subscription (pipeline.ingest.mode=pull) with the service's settings; it stores every hit
# and exits 0 by itself once no message has come for REPLAY_IDLE (pipeline.ingest.exit-when-idle). Rows are keyed
# by the LogEntry's insertId, so re-running it, or replaying a hit that was in fact stored, adds no row (BigQuery:
# best effort, see docs/delivery.md, read-time deduplication).
#
# Usage: deploy/replay.sh [--local] [--dry-run]
#   (default)  as the Cloud Run job REPLAY_JOB, with the deployed service's image (else IMAGE) and service account:
#              deploy the job, let the service account pull the subscription, execute it and wait for it to end
#   --local    run the packaged jar (JAR, default target/pixel-pipeline-*.jar: ./mvnw -DskipTests package) on this
#              machine with Application Default Credentials (gcloud auth application-default login); the account
#              needs the service account's roles plus roles/pubsub.subscriber on the subscription
#   --dry-run  print every command instead of running it ("?" = read-only check, "+" = change)
# Variables (see deploy/common.sh): PROJECT_ID, REGION, UNDELIVERABLE_SUBSCRIPTION, SERVICE, IMAGE, plus
#   REPLAY_JOB=pixel-pipeline-replay, REPLAY_IDLE=30s, REPLAY_TASK_TIMEOUT=3600s, JAR, JAVA=java.

set -euo pipefail

LOCAL=false
ARGS=()
for arg in "$@"; do
  if [[ "$arg" == --local ]]; then
    LOCAL=true
  else
    ARGS+=("$arg")
  fi
done

# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_args "${ARGS[@]+"${ARGS[@]}"}"
# A replay runs against a deployed pipeline: with --dry-run, assume its resources exist.
DRY_RUN_ASSUMES=present

REPLAY_IDLE="${REPLAY_IDLE:-30s}"
REPLAY_TASK_TIMEOUT="${REPLAY_TASK_TIMEOUT:-3600s}"
JAVA="${JAVA:-java}"

G=(--project="$PROJECT_ID")

# The service's settings (deploy/cloud-run.yaml), in pull mode on the undeliverable subscription.
ENV_VARS=(
  "SPRING_PROFILES_ACTIVE=gcp"
  "GOOGLE_CLOUD_PROJECT=${PROJECT_ID}"
  "PIPELINE_BIGQUERY_PROJECTID=${PROJECT_ID}"
  "PIPELINE_BIGQUERY_DATASET=${DATASET}"
  "PIPELINE_TABLE_SUFFIX=${TABLE_SUFFIX}"
  "PIPELINE_BIGQUERY_LAYOUT=${LAYOUT}"
  "PIPELINE_BIGQUERY_TABLE=${EVENTS_TABLE}"
  "PIPELINE_BIGQUERY_CLUSTERING=${CLUSTERING}"
  "PIPELINE_DEADLETTER_TOPIC=projects/${PROJECT_ID}/topics/${BAD_ROWS_TOPIC}"
  "PIPELINE_PUSH_DEADLINE=${PUSH_DEADLINE}"
  "PIPELINE_PUSH_AUTH_AUDIENCE=${PUSH_AUDIENCE}"
  "PIPELINE_PUSH_AUTH_SERVICEACCOUNTS=${PUSH_SA_EMAIL}"
  "PIPELINE_INGEST_MODE=pull"
  "PIPELINE_INGEST_SUBSCRIPTION=projects/${PROJECT_ID}/subscriptions/${UNDELIVERABLE_SUBSCRIPTION}"
  "PIPELINE_INGEST_EXITWHENIDLE=${REPLAY_IDLE}"
)
# --set-env-vars separates pairs with commas, and CLUSTERING holds one: the pairs are joined with ';' instead, which
# gcloud reads when the value starts with ^;^ (gcloud topic escaping).
for pair in "${ENV_VARS[@]}"; do
  if [[ "$pair" == *\;* ]]; then
    echo "a setting holds a ';', which --set-env-vars=^;^... cannot take: $pair" >&2
    exit 2
  fi
done

finished() {
  if [[ "$DRY_RUN" == false ]]; then
    echo "Replay of $UNDELIVERABLE_SUBSCRIPTION finished: the subscription is drained."
  fi
}

step "The undeliverable subscription"
if ! exists gcloud pubsub subscriptions describe "$UNDELIVERABLE_SUBSCRIPTION" "${G[@]}"; then
  echo "subscription $UNDELIVERABLE_SUBSCRIPTION does not exist in $PROJECT_ID: run deploy/setup.sh first" >&2
  exit 1
fi

if [[ "$LOCAL" == true ]]; then
  step "Replay on this machine"
  if [[ -z "${JAR:-}" ]]; then
    shopt -s nullglob
    for candidate in "${ROOT}"/target/pixel-pipeline-*.jar; do
      [[ "$candidate" == *-plain.jar ]] || JAR="$candidate"
    done
    shopt -u nullglob
  fi
  if [[ -z "${JAR:-}" ]]; then
    if [[ "$DRY_RUN" == false ]]; then
      echo "no target/pixel-pipeline-*.jar: build it with ./mvnw -DskipTests package (or set JAR)" >&2
      exit 1
    fi
    JAR="${ROOT}/target/pixel-pipeline-VERSION.jar"
  fi
  if ! exists gcloud auth application-default print-access-token; then
    echo "no Application Default Credentials: run gcloud auth application-default login" >&2
    exit 1
  fi
  # PORT=0: any free port; metrics stay local (a replay's few minutes are not worth a Cloud Monitoring series).
  run env "${ENV_VARS[@]}" PORT=0 MANAGEMENT_STACKDRIVER_METRICS_EXPORT_ENABLED=false "$JAVA" -jar "$JAR"
  finished
  exit 0
fi

step "Replay as a Cloud Run job"
# The deployed service's image, so that the replay parses and stores exactly as the service does.
REPLAY_IMAGE="${REPLAY_IMAGE:-$(lookup "$IMAGE" gcloud run services describe "$SERVICE" --region="$REGION" \
  --format='value(spec.template.spec.containers[0].image)' "${G[@]}" || true)}"
REPLAY_IMAGE="${REPLAY_IMAGE:-$IMAGE}"
run gcloud pubsub subscriptions add-iam-policy-binding "$UNDELIVERABLE_SUBSCRIPTION" \
  --member="serviceAccount:${RUNTIME_SA_EMAIL}" --role=roles/pubsub.subscriber "${G[@]}"
# One task, no retry: a failed replay is simply run again (it is idempotent); the task ends when the subscription
# is drained, within REPLAY_TASK_TIMEOUT.
run gcloud run jobs deploy "$REPLAY_JOB" --image="$REPLAY_IMAGE" --region="$REGION" \
  --service-account="$RUNTIME_SA_EMAIL" --cpu=1 --memory=512Mi --tasks=1 --max-retries=0 \
  --task-timeout="$REPLAY_TASK_TIMEOUT" --set-env-vars="^;^$(IFS=';'; printf '%s' "${ENV_VARS[*]}")" "${G[@]}"
run gcloud run jobs execute "$REPLAY_JOB" --region="$REGION" --wait "${G[@]}"
finished
