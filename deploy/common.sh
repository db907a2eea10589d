# Shared by deploy/setup.sh and deploy/teardown.sh: the names of every resource (each overridable from the
# environment) and the helpers that run, or with --dry-run print, each command. Sourced, never run.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this file

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# deploy/settings.env: the Pub/Sub names and delivery numbers that docs/, cloud-run.yaml and the chart share
# (DeploySettingsTests keeps them in step). A variable set (non-empty) in the environment wins over the file.
SETTINGS_FILE="${ROOT}/deploy/settings.env"
SETTINGS=()
while IFS= read -r setting || [[ -n "$setting" ]]; do
  [[ -z "$setting" || "$setting" == \#* ]] && continue
  if [[ ! "$setting" =~ ^([A-Z][A-Z0-9_]*)=([^[:space:]\'\"]+)$ ]]; then
    echo "${SETTINGS_FILE}: not a KEY=value line: ${setting}" >&2
    exit 1
  fi
  key="${BASH_REMATCH[1]}"
  SETTINGS+=("$key")
  if [[ -z "${!key:-}" ]]; then
    printf -v "$key" '%s' "${BASH_REMATCH[2]}"
  fi
done <"$SETTINGS_FILE"
unset setting key
# Every setting the scripts use: a line missing from settings.env stops them here, before anything runs.
for key in TOPIC SUBSCRIPTION BAD_ROWS_TOPIC BAD_ROWS_SUBSCRIPTION UNDELIVERABLE_TOPIC UNDELIVERABLE_SUBSCRIPTION \
  PUSH_DEADLINE ACK_DEADLINE REQUEST_TIMEOUT MIN_BACKOFF MAX_BACKOFF MAX_DELIVERY_ATTEMPTS MESSAGE_RETENTION \
  PARKED_RETENTION CONTAINER_CONCURRENCY LAYOUT EVENTS_TABLE CLUSTERING PARTITIONED_DEDUP_VIEW; do
  : "${!key:?${key} is missing from ${SETTINGS_FILE}}"
done
unset key

DRY_RUN=false

parse_args() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --dry-run) DRY_RUN=true ;;
      --layout=*) LAYOUT="${1#--layout=}" ;;
      --layout)
        if [[ $# -lt 2 ]]; then
          echo "--layout needs a value: template-tables or partitioned" >&2
          exit 2
        fi
        LAYOUT="$2"
        shift
        ;;
      -h | --help)
        sed -n '2,/^$/s/^# \{0,1\}//p' "$0"
        exit 0
        ;;
      *)
        echo "unknown argument: $1 (try --help)" >&2
        exit 2
        ;;
    esac
    shift
  done
  check_layout
}

# LAYOUT (settings.env, the environment or --layout) is pipeline.bigquery.layout: refuse a typo before anything runs.
check_layout() {
  case "$LAYOUT" in
    template-tables | partitioned) ;;
    *)
      echo "LAYOUT=${LAYOUT}: not a layout; use template-tables (the default) or partitioned" >&2
      exit 2
      ;;
  esac
}

# Quote an argument only where a shell needs it, so the printed commands read as they are written and can be pasted.
# The result goes to QUOTED (no subshell per argument: a dry run prints hundreds of them).
quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=@,+%-]+$ ]]; then
    QUOTED="$1"
  else
    QUOTED="'${1//\'/\'\\\'\'}'"
  fi
}

print_command() {
  local prefix="$1" line="" arg
  shift
  for arg in "$@"; do
    quote "$arg"
    line+="${line:+ }${QUOTED}"
  done
  printf '%s %s\n' "$prefix" "$line"
}

# A command that changes something: printed with --dry-run, run otherwise.
run() {
  print_command "+" "$@"
  if [[ "$DRY_RUN" == false ]]; then
    "$@"
  fi
}

# A read-only probe ("does it exist?"). With --dry-run it is printed and answers as DRY_RUN_ASSUMES says: setup
# assumes an empty project and teardown a complete one (each sets its default), so the printout shows every command
# either would execute; DRY_RUN_ASSUMES=present deploy/setup.sh --dry-run shows what a re-run changes.
DRY_RUN_ASSUMES="${DRY_RUN_ASSUMES:-}"
exists() {
  print_command "?" "$@"
  if [[ "$DRY_RUN" == true ]]; then
    [[ "$DRY_RUN_ASSUMES" == present ]]
    return
  fi
  "$@" >/dev/null 2>&1
}

# A value read from the project (a URL, an identity); with --dry-run the given stand-in is used instead.
lookup() {
  local stand_in="$1"
  shift
  if [[ "$DRY_RUN" == true ]]; then
    print_command "?" "$@" >&2
    printf '%s' "$stand_in"
  else
    "$@"
  fi
}

step() {
  printf '\n# == %s\n' "$*"
}

if [[ -z "${PROJECT_ID:-}" ]] && command -v gcloud >/dev/null 2>&1; then
  PROJECT_ID="$(gcloud config get-value project 2>/dev/null || true)"
fi
: "${PROJECT_ID:?set PROJECT_ID (or run gcloud config set project ...)}"

REGION="${REGION:-europe-west1}"
# Where the bucket and the dataset live; keep it with the region.
LOCATION="${LOCATION:-EU}"

# The pixel and the load balancer in front of it.
BUCKET="${BUCKET:-${PROJECT_ID}-pixel}"
BACKEND_BUCKET="${BACKEND_BUCKET:-pixel-backend}"
URL_MAP="${URL_MAP:-pixel-url-map}"
ADDRESS="${ADDRESS:-pixel-ip}"
HTTP_PROXY_NAME="${HTTP_PROXY_NAME:-pixel-http-proxy}"
HTTP_RULE="${HTTP_RULE:-pixel-http}"
# Set DOMAIN (e.g. track.example.com, with an A record to the address) for HTTPS with a Google-managed certificate.
DOMAIN="${DOMAIN:-}"
CERTIFICATE="${CERTIFICATE:-pixel-cert}"
HTTPS_PROXY_NAME="${HTTPS_PROXY_NAME:-pixel-https-proxy}"
HTTPS_RULE="${HTTPS_RULE:-pixel-https}"
LB_SCHEME="${LB_SCHEME:-EXTERNAL_MANAGED}"

# Load balancer logs -> Pub/Sub (TOPIC: see settings.env).
LOG_SINK="${LOG_SINK:-pixel-lb-logs}"
LOG_FILTER="resource.type=\"http_load_balancer\" AND resource.labels.url_map_name=\"${URL_MAP}\""

# BigQuery: the dataset and the template table every pixel_<user>_<date> table is created from.
DATASET="${DATASET:-pixel_tracking}"
TEMPLATE_TABLE="${TEMPLATE_TABLE:-pixel}"
SCHEMA_FILE="${SCHEMA_FILE:-${ROOT}/src/main/resources/bigquery/pixel-template-schema.json}"
# A view with one row per hit over all of them (read-time deduplication; see docs/delivery.md).
DEDUP_VIEW="${DEDUP_VIEW:-deduplicated_${TEMPLATE_TABLE}}"
# pipeline.table.suffix: one table per user and day by default; empty for a single table (see docs/deploy.md, BigQuery).
DEFAULT_TABLE_SUFFIX='_{user_id}_{date}'
TABLE_SUFFIX="${TABLE_SUFFIX-$DEFAULT_TABLE_SUFFIX}"
# Only a single table is partitioned and clustered; a per-user-and-day table holds one day already.
PARTITION_FIELD="${PARTITION_FIELD:-event_time}"
CLUSTERING_FIELDS="${CLUSTERING_FIELDS:-user_id}"
# The partitioned layout (LAYOUT=partitioned): one table EVENTS_TABLE, partitioned by DAY on event_time and clustered
# by CLUSTERING, with the view PARTITIONED_DEDUP_VIEW (all three in settings.env); same schema file as the template.

# The service and its identities.
SERVICE="${SERVICE:-pixel-pipeline}"
REPOSITORY="${REPOSITORY:-pixel}"
IMAGE="${IMAGE:-${REGION}-docker.pkg.dev/${PROJECT_ID}/${REPOSITORY}/pixel-pipeline:latest}"
# false: deploy IMAGE as it is (already pushed) instead of building it with Cloud Build.
BUILD_IMAGE="${BUILD_IMAGE:-true}"
RUNTIME_SA="${RUNTIME_SA:-pixel-pipeline-run}"
PUSH_SA="${PUSH_SA:-pixel-pipeline-push}"
RUNTIME_SA_EMAIL="${RUNTIME_SA}@${PROJECT_ID}.iam.gserviceaccount.com"
PUSH_SA_EMAIL="${PUSH_SA}@${PROJECT_ID}.iam.gserviceaccount.com"
MIN_INSTANCES="${MIN_INSTANCES:-0}"
MAX_INSTANCES="${MAX_INSTANCES:-10}"

# The push subscription (SUBSCRIPTION), its retry and dead-letter policy (MIN_BACKOFF, MAX_BACKOFF,
# MAX_DELIVERY_ATTEMPTS, UNDELIVERABLE_TOPIC), ACK_DEADLINE and the service's REQUEST_TIMEOUT come from settings.env,
# as do the topics and subscriptions that keep bad rows (BAD_ROWS_*) and undeliverable messages (UNDELIVERABLE_*).
PUSH_AUDIENCE="${PUSH_AUDIENCE:-${SERVICE}-push}"

# The Cloud Run job deploy/replay.sh runs to replay UNDELIVERABLE_SUBSCRIPTION after an outage.
REPLAY_JOB="${REPLAY_JOB:-${SERVICE}-replay}"

MONITORING_DIR="${MONITORING_DIR:-${ROOT}/deploy/monitoring}"

# Replace ${NAME} in a file with the value of the variable NAME, for the names above and every setting of
# settings.env; fails on any left over.
render() {
  local content name
  content="$(<"$1")"
  for name in PROJECT_ID REGION SERVICE IMAGE RUNTIME_SA_EMAIL PUSH_SA_EMAIL PUSH_AUDIENCE DATASET TABLE_SUFFIX \
    URL_MAP MIN_INSTANCES MAX_INSTANCES "${SETTINGS[@]}"; do
    content="${content//\$\{${name}\}/${!name}}"
  done
  if [[ "$content" =~ \$\{[A-Z_]+\} ]]; then
    echo "$1 uses ${BASH_REMATCH[0]}, which this script does not set" >&2
    return 1
  fi
  printf '%s\n' "$content"
}
