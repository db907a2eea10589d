#!/usr/bin/env bash
# Sets up the whole pixel pipeline in a Google Cloud project, from an empty project to hits in BigQuery:
# public pixel.png in a bucket behind an HTTP(S) load balancer with Cloud CDN, load balancer logs exported to
# Pub/Sub, topics and subscriptions that keep bad rows and undeliverable messages apart, the BigQuery dataset and
# template table, least-privilege service accounts, the Cloud Run service, an OIDC-authenticated push subscription
# with retry and dead-letter policies, dashboards and alert policies. No subscription it creates ever expires.
#
# Usage: deploy/setup.sh [--dry-run] [--layout template-tables|partitioned]
#   --dry-run  print every command instead of running it ("?" = read-only check, "+" = change)
#   --layout   the BigQuery layout (LAYOUT in deploy/settings.env; the environment's LAYOUT works too):
#              template-tables (default) creates the template table and the view DEDUP_VIEW; partitioned creates
#              EVENTS_TABLE, partitioned by DAY on event_time and clustered by CLUSTERING, and the view
#              PARTITIONED_DEDUP_VIEW, and deploys the service with pipeline.bigquery.layout=partitioned
# Every name is a variable with a default (see deploy/common.sh and deploy/settings.env), e.g.:
#   PROJECT_ID=my-project REGION=europe-west1 DOMAIN=track.example.com deploy/setup.sh
# Safe to re-run: each resource is looked up before it is created, and bindings are idempotent.

# shellcheck disable=SC2153 # TOPIC, SUBSCRIPTION and the other settings come from deploy/settings.env (common.sh)
set -euo pipefail
# shellcheck source=deploy/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
parse_args "$@"

G=(--project="$PROJECT_ID")
DRY_RUN_ASSUMES="${DRY_RUN_ASSUMES:-absent}"

step "APIs"
run gcloud services enable compute.googleapis.com storage.googleapis.com pubsub.googleapis.com \
  logging.googleapis.com bigquery.googleapis.com run.googleapis.com iam.googleapis.com \
  monitoring.googleapis.com artifactregistry.googleapis.com cloudbuild.googleapis.com "${G[@]}"
if [[ "$LAYOUT" == partitioned ]]; then
  # The Storage Write API is its own service.
  run gcloud services enable bigquerystorage.googleapis.com "${G[@]}"
fi

PROJECT_NUMBER="${PROJECT_NUMBER:-$(lookup PROJECT_NUMBER gcloud projects describe "$PROJECT_ID" --format='value(projectNumber)')}"
PUBSUB_AGENT="serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"

step "Bucket with the public pixel"
if ! exists gcloud storage buckets describe "gs://${BUCKET}" "${G[@]}"; then
  run gcloud storage buckets create "gs://${BUCKET}" --location="$LOCATION" --uniform-bucket-level-access "${G[@]}"
fi
# Browsers revalidate every time (each view is a request the load balancer logs); Cloud CDN may keep it a day.
run gcloud storage cp "${ROOT}/pixel.png" "gs://${BUCKET}/pixel.png" \
  --content-type=image/png --cache-control="public, max-age=0, s-maxage=86400" "${G[@]}"
run gcloud storage buckets add-iam-policy-binding "gs://${BUCKET}" \
  --member=allUsers --role=roles/storage.objectViewer "${G[@]}"

step "Load balancer with Cloud CDN"
if ! exists gcloud compute addresses describe "$ADDRESS" --global "${G[@]}"; then
  run gcloud compute addresses create "$ADDRESS" --ip-version=IPV4 --global "${G[@]}"
fi
if ! exists gcloud compute backend-buckets describe "$BACKEND_BUCKET" "${G[@]}"; then
  run gcloud compute backend-buckets create "$BACKEND_BUCKET" --gcs-bucket-name="$BUCKET" \
    --enable-cdn --cache-mode=CACHE_ALL_STATIC "${G[@]}"
fi
if ! exists gcloud compute url-maps describe "$URL_MAP" --global "${G[@]}"; then
  run gcloud compute url-maps create "$URL_MAP" --default-backend-bucket="$BACKEND_BUCKET" --global "${G[@]}"
fi
if ! exists gcloud compute target-http-proxies describe "$HTTP_PROXY_NAME" --global "${G[@]}"; then
  run gcloud compute target-http-proxies create "$HTTP_PROXY_NAME" --url-map="$URL_MAP" --global "${G[@]}"
fi
if ! exists gcloud compute forwarding-rules describe "$HTTP_RULE" --global "${G[@]}"; then
  run gcloud compute forwarding-rules create "$HTTP_RULE" --global --load-balancing-scheme="$LB_SCHEME" \
    --address="$ADDRESS" --target-http-proxy="$HTTP_PROXY_NAME" --ports=80 "${G[@]}"
fi
if [[ -n "$DOMAIN" ]]; then
  if ! exists gcloud compute ssl-certificates describe "$CERTIFICATE" --global "${G[@]}"; then
    run gcloud compute ssl-certificates create "$CERTIFICATE" --domains="$DOMAIN" --global "${G[@]}"
  fi
  if ! exists gcloud compute target-https-proxies describe "$HTTPS_PROXY_NAME" --global "${G[@]}"; then
    run gcloud compute target-https-proxies create "$HTTPS_PROXY_NAME" --url-map="$URL_MAP" \
      --ssl-certificates="$CERTIFICATE" --global "${G[@]}"
  fi
  if ! exists gcloud compute forwarding-rules describe "$HTTPS_RULE" --global "${G[@]}"; then
    run gcloud compute forwarding-rules create "$HTTPS_RULE" --global --load-balancing-scheme="$LB_SCHEME" \
      --address="$ADDRESS" --target-https-proxy="$HTTPS_PROXY_NAME" --ports=443 "${G[@]}"
  fi
fi

step "Pub/Sub topics; subscriptions that keep bad rows and undeliverable messages"
for topic in "$TOPIC" "$BAD_ROWS_TOPIC" "$UNDELIVERABLE_TOPIC"; do
  if ! exists gcloud pubsub topics describe "$topic" "${G[@]}"; then
    run gcloud pubsub topics create "$topic" "${G[@]}"
  fi
done
# Bad rows (the service publishes them, then acks the push) and undeliverable messages (the push subscription's
# dead-letter policy forwards them after MAX_DELIVERY_ATTEMPTS) wait here to be read or replayed. Pub/Sub would delete
# a subscription after 31 days without activity, and these are read rarely: they never expire. A re-run brings an
# existing one to the same settings.
keep_subscription() {
  local subscription="$1" topic="$2"
  local settings=(--expiration-period=never --message-retention-duration="$PARKED_RETENTION"
    --ack-deadline="$ACK_DEADLINE")
  if exists gcloud pubsub subscriptions describe "$subscription" "${G[@]}"; then
    run gcloud pubsub subscriptions update "$subscription" "${settings[@]}" "${G[@]}"
  else
    run gcloud pubsub subscriptions create "$subscription" --topic="$topic" "${settings[@]}" "${G[@]}"
  fi
}
keep_subscription "$BAD_ROWS_SUBSCRIPTION" "$BAD_ROWS_TOPIC"
keep_subscription "$UNDELIVERABLE_SUBSCRIPTION" "$UNDELIVERABLE_TOPIC"

step "Log sink: load balancer logs of ${URL_MAP} to ${TOPIC}"
SINK_DESTINATION="pubsub.googleapis.com/projects/${PROJECT_ID}/topics/${TOPIC}"
if exists gcloud logging sinks describe "$LOG_SINK" "${G[@]}"; then
  run gcloud logging sinks update "$LOG_SINK" "$SINK_DESTINATION" --log-filter="$LOG_FILTER" "${G[@]}"
else
  run gcloud logging sinks create "$LOG_SINK" "$SINK_DESTINATION" --log-filter="$LOG_FILTER" "${G[@]}"
fi
WRITER_IDENTITY="$(lookup "serviceAccount:writer-identity-of-${LOG_SINK}" \
  gcloud logging sinks describe "$LOG_SINK" --format='value(writerIdentity)' "${G[@]}")"
run gcloud pubsub topics add-iam-policy-binding "$TOPIC" --member="$WRITER_IDENTITY" \
  --role=roles/pubsub.publisher "${G[@]}"

step "BigQuery dataset and the ${LAYOUT} layout"
if [[ "$DRY_RUN" == false && ! -f "$SCHEMA_FILE" ]]; then
  echo "table schema not found: $SCHEMA_FILE" >&2
  exit 1
fi
if ! exists bq --project_id="$PROJECT_ID" show --dataset "${PROJECT_ID}:${DATASET}"; then
  run bq --project_id="$PROJECT_ID" --location="$LOCATION" mk --dataset \
    --description="Pixel hits (pixel-pipeline)" "${PROJECT_ID}:${DATASET}"
fi
# One row per hit: BigQuery drops a repeated insertId only for about a minute (and the Storage Write API's default
# stream not at all), so a redelivery or a replay after an outage can store a hit twice; the view keeps the first row
# of each message_id (the LogEntry's insertId).
DEDUP_SQL="SELECT * EXCEPT(rn) FROM (SELECT *, ROW_NUMBER() OVER"
if [[ "$LAYOUT" == partitioned ]]; then
  # One table for every hit, partitioned by day on event_time and clustered by CLUSTERING; the schema file is the
  # template's (RowSchema, kept equal by a test). A re-run keeps the table and brings its clustering to CLUSTERING
  # (partitioning cannot change: drop the table to change it).
  if exists bq --project_id="$PROJECT_ID" show "${PROJECT_ID}:${DATASET}.${EVENTS_TABLE}"; then
    # The schema file adds columns a later release brings (as NULLABLE; a no-op when none is missing).
    run bq --project_id="$PROJECT_ID" update -t --clustering_fields="$CLUSTERING" \
      "${PROJECT_ID}:${DATASET}.${EVENTS_TABLE}" "$SCHEMA_FILE"
  else
    run bq --project_id="$PROJECT_ID" mk --table --schema="$SCHEMA_FILE" --time_partitioning_type=DAY \
      --time_partitioning_field=event_time --clustering_fields="$CLUSTERING" \
      --description="All pixel hits (Storage Write API, default stream)" "${PROJECT_ID}:${DATASET}.${EVENTS_TABLE}"
  fi
  # The window is partitioned by event_time too, the same for every copy of a hit (it comes from the LogEntry): a
  # filter on event_time is then a filter on whole windows, which BigQuery can apply before numbering the rows, so
  # a query of one day reads one partition.
  DEDUP_SQL+=" (PARTITION BY message_id, event_time ORDER BY received_at) AS rn"
  DEDUP_SQL+=" FROM \`${PROJECT_ID}.${DATASET}.${EVENTS_TABLE}\`) WHERE rn = 1"
  VIEW="$PARTITIONED_DEDUP_VIEW"
else
  # Template tables (the default suffix) are not partitioned: each holds one user's day. A single table
  # (TABLE_SUFFIX empty) is partitioned by day on event_time and clustered by user_id, as the service creates it.
  if ! exists bq --project_id="$PROJECT_ID" show "${PROJECT_ID}:${DATASET}.${TEMPLATE_TABLE}"; then
    if [[ -n "$TABLE_SUFFIX" ]]; then
      run bq --project_id="$PROJECT_ID" mk --table \
        --description="Template of the pixel tables (insertAll templateSuffix)" \
        "${PROJECT_ID}:${DATASET}.${TEMPLATE_TABLE}" "$SCHEMA_FILE"
    else
      run bq --project_id="$PROJECT_ID" mk --table --time_partitioning_type=DAY \
        --time_partitioning_field="$PARTITION_FIELD" --clustering_fields="$CLUSTERING_FIELDS" \
        --description="All pixel hits" "${PROJECT_ID}:${DATASET}.${TEMPLATE_TABLE}" "$SCHEMA_FILE"
    fi
  else
    # A table made by an older release lacks the columns added since (enrichment: device_class, agent_name, …).
    # bq update with the full schema file adds them as NULLABLE columns and changes nothing when none is missing, so
    # a re-run is harmless. BigQuery gives tables it generates later (and, by its template table docs, those still
    # streaming) the new columns; rows already stored read them as NULL.
    run bq --project_id="$PROJECT_ID" update -t "${PROJECT_ID}:${DATASET}.${TEMPLATE_TABLE}" "$SCHEMA_FILE"
  fi
  # The view's name must not start with the template's name, which the wildcard below would then match.
  if [[ -n "$TABLE_SUFFIX" ]]; then
    # The template itself matches the wildcard with an empty suffix, so the view is valid before the first hit.
    HITS_FROM="\`${PROJECT_ID}.${DATASET}.${TEMPLATE_TABLE}*\` WHERE _TABLE_SUFFIX != ''"
  else
    HITS_FROM="\`${PROJECT_ID}.${DATASET}.${TEMPLATE_TABLE}\`"
  fi
  DEDUP_SQL+=" (PARTITION BY message_id ORDER BY received_at) AS rn FROM ${HITS_FROM}) WHERE rn = 1"
  VIEW="$DEDUP_VIEW"
fi
if ! exists bq --project_id="$PROJECT_ID" show "${PROJECT_ID}:${DATASET}.${VIEW}"; then
  run bq --project_id="$PROJECT_ID" mk --use_legacy_sql=false --view="$DEDUP_SQL" \
    --description="Pixel hits, one row per message_id" "${PROJECT_ID}:${DATASET}.${VIEW}"
fi

step "Service accounts, least privilege"
for account in "$RUNTIME_SA" "$PUSH_SA"; do
  if ! exists gcloud iam service-accounts describe "${account}@${PROJECT_ID}.iam.gserviceaccount.com" "${G[@]}"; then
    run gcloud iam service-accounts create "$account" --display-name="pixel-pipeline ${account}" "${G[@]}"
  fi
done
# Runtime: insert rows (and create suffixed tables) in this dataset only, or append them through the Storage Write
# API (bigquery.tables.updateData, part of dataEditor), publish bad rows, metrics and logs; and read the undeliverable
# subscription when they are replayed (deploy/replay.sh).
run bq --project_id="$PROJECT_ID" add-iam-policy-binding --dataset \
  --member="serviceAccount:${RUNTIME_SA_EMAIL}" --role=roles/bigquery.dataEditor "${PROJECT_ID}:${DATASET}"
run gcloud pubsub topics add-iam-policy-binding "$BAD_ROWS_TOPIC" \
  --member="serviceAccount:${RUNTIME_SA_EMAIL}" --role=roles/pubsub.publisher "${G[@]}"
run gcloud pubsub subscriptions add-iam-policy-binding "$UNDELIVERABLE_SUBSCRIPTION" \
  --member="serviceAccount:${RUNTIME_SA_EMAIL}" --role=roles/pubsub.subscriber "${G[@]}"
for role in roles/monitoring.metricWriter roles/logging.logWriter; do
  run gcloud projects add-iam-policy-binding "$PROJECT_ID" --member="serviceAccount:${RUNTIME_SA_EMAIL}" \
    --role="$role" --condition=None --quiet
done
# Pub/Sub mints the push SA's OIDC tokens (needed explicitly in projects created before April 2021).
run gcloud iam service-accounts add-iam-policy-binding "$PUSH_SA_EMAIL" --member="$PUBSUB_AGENT" \
  --role=roles/iam.serviceAccountTokenCreator "${G[@]}"

step "Container image"
if [[ "$BUILD_IMAGE" == true ]]; then
  if ! exists gcloud artifacts repositories describe "$REPOSITORY" --location="$REGION" "${G[@]}"; then
    run gcloud artifacts repositories create "$REPOSITORY" --repository-format=docker --location="$REGION" "${G[@]}"
  fi
  run gcloud builds submit "$ROOT" --tag="$IMAGE" "${G[@]}"
fi

step "Cloud Run service"
RENDERED="$(mktemp "${TMPDIR:-/tmp}/cloud-run.XXXXXX.yaml")"
trap 'rm -f "$RENDERED"' EXIT
render "${ROOT}/deploy/cloud-run.yaml" >"$RENDERED"
if [[ "$DRY_RUN" == true ]]; then
  sed 's/^/#   /' "$RENDERED"
fi
run gcloud run services replace "$RENDERED" --region="$REGION" "${G[@]}"
# Only the push identity may invoke it.
run gcloud run services add-iam-policy-binding "$SERVICE" --region="$REGION" \
  --member="serviceAccount:${PUSH_SA_EMAIL}" --role=roles/run.invoker "${G[@]}"
SERVICE_URL="$(lookup "https://${SERVICE}-url.run.app" \
  gcloud run services describe "$SERVICE" --region="$REGION" --format='value(status.url)' "${G[@]}")"

step "Push subscription: OIDC, retry policy, undeliverable messages, no expiry"
SUBSCRIPTION_SETTINGS=(--push-endpoint="${SERVICE_URL}/pubsub/push"
  --push-auth-service-account="$PUSH_SA_EMAIL" --push-auth-token-audience="$PUSH_AUDIENCE"
  --ack-deadline="$ACK_DEADLINE" --min-retry-delay="$MIN_BACKOFF" --max-retry-delay="$MAX_BACKOFF"
  --dead-letter-topic="$UNDELIVERABLE_TOPIC" --max-delivery-attempts="$MAX_DELIVERY_ATTEMPTS"
  --message-retention-duration="$MESSAGE_RETENTION" --expiration-period=never)
if exists gcloud pubsub subscriptions describe "$SUBSCRIPTION" "${G[@]}"; then
  run gcloud pubsub subscriptions update "$SUBSCRIPTION" "${SUBSCRIPTION_SETTINGS[@]}" "${G[@]}"
else
  run gcloud pubsub subscriptions create "$SUBSCRIPTION" --topic="$TOPIC" "${SUBSCRIPTION_SETTINGS[@]}" "${G[@]}"
fi
# The Pub/Sub service agent forwards undeliverable messages and acks them on the source subscription.
run gcloud pubsub topics add-iam-policy-binding "$UNDELIVERABLE_TOPIC" --member="$PUBSUB_AGENT" \
  --role=roles/pubsub.publisher "${G[@]}"
run gcloud pubsub subscriptions add-iam-policy-binding "$SUBSCRIPTION" --member="$PUBSUB_AGENT" \
  --role=roles/pubsub.subscriber "${G[@]}"

step "Dashboards and alert policies from ${MONITORING_DIR}"
display_name() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["displayName"])' "$1"
}
shopt -s nullglob
for file in "$MONITORING_DIR"/*.json; do
  rendered="${RENDERED%.yaml}.$(basename "$file")"
  render "$file" >"$rendered"
  name="$(display_name "$rendered")"
  if [[ -z "$(lookup "" gcloud monitoring dashboards list --filter="displayName=\"${name}\"" \
    --format='value(name)' "${G[@]}")" ]]; then
    run gcloud monitoring dashboards create --config-from-file="$rendered" "${G[@]}"
  else
    echo "dashboard \"${name}\" exists: kept (delete it to re-import)"
  fi
  rm -f "$rendered"
done
for file in "$MONITORING_DIR"/alerts/*.json; do
  rendered="${RENDERED%.yaml}.$(basename "$file")"
  render "$file" >"$rendered"
  name="$(display_name "$rendered")"
  if [[ -z "$(lookup "" gcloud alpha monitoring policies list --filter="displayName=\"${name}\"" \
    --format='value(name)' "${G[@]}")" ]]; then
    run gcloud alpha monitoring policies create --policy-from-file="$rendered" "${G[@]}"
  else
    echo "alert policy \"${name}\" exists: kept (delete it to re-import)"
  fi
  rm -f "$rendered"
done

step "Done"
if [[ "$LAYOUT" == partitioned ]]; then
  ROWS_FROM="$EVENTS_TABLE"
else
  ROWS_FROM="${TEMPLATE_TABLE}_*"
fi
PIXEL_IP="$(lookup "PIXEL_IP" gcloud compute addresses describe "$ADDRESS" --global --format='value(address)' "${G[@]}")"
cat <<EOF
Pixel:        http://${PIXEL_IP}/pixel.png${DOMAIN:+  and  https://${DOMAIN}/pixel.png (once the certificate is ACTIVE)}
Test hit:     curl -o /dev/null "http://${PIXEL_IP}/pixel.png?user_id=u1&order_id=o1&type=view"
Rows (a minute later):
              bq query --use_legacy_sql=false 'SELECT * FROM \`${PROJECT_ID}.${DATASET}.${ROWS_FROM}\` ORDER BY event_time DESC LIMIT 10'
Bad rows:     gcloud pubsub subscriptions pull ${BAD_ROWS_SUBSCRIPTION} --limit=10 --project=${PROJECT_ID}
Undeliverable (replay them once the cause is fixed):
              gcloud pubsub subscriptions pull ${UNDELIVERABLE_SUBSCRIPTION} --limit=10 --project=${PROJECT_ID}
EOF
