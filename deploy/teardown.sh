#!/usr/bin/env bash
# Removes what deploy/setup.sh created, in reverse order. The data is kept unless DELETE_DATA=true: the BigQuery
# dataset (the collected hits), the pixel bucket, the bad rows and the undeliverable messages (each a topic and its
# subscription), and the image repository.
#
# Usage: deploy/teardown.sh [--dry-run]
#   --dry-run  print every command instead of running it ("?" = read-only check, "+" = change)
# Takes the same variables as deploy/setup.sh (see deploy/common.sh and deploy/settings.env), e.g.:
#   PROJECT_ID=my-project DELETE_DATA=true deploy/teardown.sh
# Safe to re-run: each resource is looked up before it is deleted.

# shellcheck disable=SC2153 # TOPIC, SUBSCRIPTION and the other settings come from deploy/settings.env (common.sh)
set -euo pipefail
# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_args "$@"

G=(--project="$PROJECT_ID")
DRY_RUN_ASSUMES="${DRY_RUN_ASSUMES:-present}"
DELETE_DATA="${DELETE_DATA:-false}"

step "Push subscription and log sink (stops the flow first)"
if exists gcloud pubsub subscriptions describe "$SUBSCRIPTION" "${G[@]}"; then
  run gcloud pubsub subscriptions delete "$SUBSCRIPTION" --quiet "${G[@]}"
fi
if exists gcloud logging sinks describe "$LOG_SINK" "${G[@]}"; then
  run gcloud logging sinks delete "$LOG_SINK" --quiet "${G[@]}"
fi

step "Cloud Run service and replay job"
if exists gcloud run services describe "$SERVICE" --region="$REGION" "${G[@]}"; then
  run gcloud run services delete "$SERVICE" --region="$REGION" --quiet "${G[@]}"
fi
# Created by deploy/replay.sh, if a replay ever ran.
if exists gcloud run jobs describe "$REPLAY_JOB" --region="$REGION" "${G[@]}"; then
  run gcloud run jobs delete "$REPLAY_JOB" --region="$REGION" --quiet "${G[@]}"
fi

step "Alert policies and dashboards from ${MONITORING_DIR}"
display_name() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["displayName"])' "$1"
}
shopt -s nullglob
for file in "$MONITORING_DIR"/alerts/*.json; do
  name="$(display_name "$file")"
  for policy in $(lookup "policy-named-${name// /-}" gcloud alpha monitoring policies list --filter="displayName=\"${name}\"" \
    --format='value(name)' "${G[@]}"); do
    run gcloud alpha monitoring policies delete "$policy" --quiet "${G[@]}"
  done
done
for file in "$MONITORING_DIR"/*.json; do
  name="$(display_name "$file")"
  for dashboard in $(lookup "dashboard-named-${name// /-}" gcloud monitoring dashboards list --filter="displayName=\"${name}\"" \
    --format='value(name)' "${G[@]}"); do
    run gcloud monitoring dashboards delete "$dashboard" --quiet "${G[@]}"
  done
done

step "Load balancer"
if [[ -n "$DOMAIN" ]]; then
  if exists gcloud compute forwarding-rules describe "$HTTPS_RULE" --global "${G[@]}"; then
    run gcloud compute forwarding-rules delete "$HTTPS_RULE" --global --quiet "${G[@]}"
  fi
  if exists gcloud compute target-https-proxies describe "$HTTPS_PROXY_NAME" --global "${G[@]}"; then
    run gcloud compute target-https-proxies delete "$HTTPS_PROXY_NAME" --global --quiet "${G[@]}"
  fi
  if exists gcloud compute ssl-certificates describe "$CERTIFICATE" --global "${G[@]}"; then
    run gcloud compute ssl-certificates delete "$CERTIFICATE" --global --quiet "${G[@]}"
  fi
fi
if exists gcloud compute forwarding-rules describe "$HTTP_RULE" --global "${G[@]}"; then
  run gcloud compute forwarding-rules delete "$HTTP_RULE" --global --quiet "${G[@]}"
fi
if exists gcloud compute target-http-proxies describe "$HTTP_PROXY_NAME" --global "${G[@]}"; then
  run gcloud compute target-http-proxies delete "$HTTP_PROXY_NAME" --global --quiet "${G[@]}"
fi
if exists gcloud compute url-maps describe "$URL_MAP" --global "${G[@]}"; then
  run gcloud compute url-maps delete "$URL_MAP" --global --quiet "${G[@]}"
fi
if exists gcloud compute backend-buckets describe "$BACKEND_BUCKET" "${G[@]}"; then
  run gcloud compute backend-buckets delete "$BACKEND_BUCKET" --quiet "${G[@]}"
fi
if exists gcloud compute addresses describe "$ADDRESS" --global "${G[@]}"; then
  run gcloud compute addresses delete "$ADDRESS" --global --quiet "${G[@]}"
fi

step "Pub/Sub log topic"
if exists gcloud pubsub topics describe "$TOPIC" "${G[@]}"; then
  run gcloud pubsub topics delete "$TOPIC" --quiet "${G[@]}"
fi

step "Service accounts"
# Project-level grants outlive a deleted account (as "deleted:serviceAccount:..."); remove them first.
for role in roles/monitoring.metricWriter roles/logging.logWriter; do
  run gcloud projects remove-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:${RUNTIME_SA_EMAIL}" \
    --role="$role" --condition=None --quiet || true
done
for account in "$RUNTIME_SA" "$PUSH_SA"; do
  email="${account}@${PROJECT_ID}.iam.gserviceaccount.com"
  if exists gcloud iam service-accounts describe "$email" "${G[@]}"; then
    run gcloud iam service-accounts delete "$email" --quiet "${G[@]}"
  fi
done

step "Data (DELETE_DATA=${DELETE_DATA})"
if [[ "$DELETE_DATA" == true ]]; then
  for subscription in "$BAD_ROWS_SUBSCRIPTION" "$UNDELIVERABLE_SUBSCRIPTION"; do
    if exists gcloud pubsub subscriptions describe "$subscription" "${G[@]}"; then
      run gcloud pubsub subscriptions delete "$subscription" --quiet "${G[@]}"
    fi
  done
  for topic in "$BAD_ROWS_TOPIC" "$UNDELIVERABLE_TOPIC"; do
    if exists gcloud pubsub topics describe "$topic" "${G[@]}"; then
      run gcloud pubsub topics delete "$topic" --quiet "${G[@]}"
    fi
  done
  if exists bq --project_id="$PROJECT_ID" show --dataset "${PROJECT_ID}:${DATASET}"; then
    run bq --project_id="$PROJECT_ID" rm -r -f --dataset "${PROJECT_ID}:${DATASET}"
  fi
  if exists gcloud storage buckets describe "gs://${BUCKET}" "${G[@]}"; then
    run gcloud storage rm --recursive "gs://${BUCKET}" "${G[@]}"
  fi
  if exists gcloud artifacts repositories describe "$REPOSITORY" --location="$REGION" "${G[@]}"; then
    run gcloud artifacts repositories delete "$REPOSITORY" --location="$REGION" --quiet "${G[@]}"
  fi
else
  echo "kept: dataset ${PROJECT_ID}:${DATASET}, bucket gs://${BUCKET}," \
    "bad rows ${BAD_ROWS_TOPIC}/${BAD_ROWS_SUBSCRIPTION}," \
    "undeliverable messages ${UNDELIVERABLE_TOPIC}/${UNDELIVERABLE_SUBSCRIPTION}" \
    "(replay them first: deploy/replay.sh)," \
    "repository ${REPOSITORY} (DELETE_DATA=true removes them)"
fi
