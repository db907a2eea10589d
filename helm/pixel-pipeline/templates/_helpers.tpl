{{/* Chart name, cut to the 63 characters Kubernetes allows. */}}
{{- define "pixel-pipeline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full resource name: release-chart unless the release name already contains the chart name. */}}
{{- define "pixel-pipeline.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pixel-pipeline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pixel-pipeline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pixel-pipeline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pixel-pipeline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "pixel-pipeline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pixel-pipeline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The application.yaml mounted into the pod: every pipeline.* setting of this release. */}}
{{- define "pixel-pipeline.applicationYaml" -}}
{{- $bigquery := dict "dataset" .Values.bigquery.dataset "layout" .Values.bigquery.layout "table" .Values.bigquery.table "clustering" .Values.bigquery.clustering }}
{{- $pipeline := dict "ingest" (dict "mode" .Values.ingest.mode "max-outstanding-messages" .Values.ingest.maxOutstandingMessages) "bigquery" $bigquery }}
{{- with .Values.ingest.subscription }}{{ $_ := set $pipeline.ingest "subscription" . }}{{ end }}
{{- with .Values.gcp.projectId }}{{ $_ := set $pipeline.bigquery "project-id" . }}{{ end }}
{{- with .Values.deadLetter.topic }}{{ $_ := set $pipeline "dead-letter" (dict "topic" .) }}{{ end }}
{{- $auth := dict "enabled" (eq .Values.ingest.mode "push") }}
{{- with .Values.push.auth.audience }}{{ $_ := set $auth "audience" . }}{{ end }}
{{- with .Values.push.auth.serviceAccounts }}{{ $_ := set $auth "service-accounts" . }}{{ end }}
{{- $_ := set $pipeline "push" (dict "auth" $auth) }}
{{- $merged := mustMergeOverwrite $pipeline (deepCopy .Values.extraConfig) }}
{{- toYaml (dict "pipeline" $merged) }}
{{- end }}

{{/*
Refuses values with which the pods could only crash-loop: the gcp profile needs a project and a topic for bad rows,
pull mode a subscription, push mode the token's audience and accounts. One message names every missing value.
*/}}
{{- define "pixel-pipeline.requireValues" -}}
{{- $missing := list }}
{{- if not .Values.gcp.projectId }}
{{- $missing = append $missing "gcp.projectId: the Google Cloud project of the dataset, the subscription and the topics (--set gcp.projectId=my-project)" }}
{{- end }}
{{- if and (eq .Values.ingest.mode "pull") (not .Values.ingest.subscription) }}
{{- $missing = append $missing "ingest.subscription: the pull subscription on the log topic, needed with ingest.mode=pull (--set ingest.subscription=projects/my-project/subscriptions/pixel-pipeline-pull)" }}
{{- end }}
{{- if not .Values.deadLetter.topic }}
{{- $missing = append $missing "deadLetter.topic: the topic bad rows are published to; the gcp profile refuses to start without it (--set deadLetter.topic=projects/my-project/topics/pixel-bad-rows)" }}
{{- end }}
{{- if eq .Values.ingest.mode "push" }}
{{- if not .Values.push.auth.audience }}
{{- $missing = append $missing "push.auth.audience: the audience of the push subscription's OIDC token, needed with ingest.mode=push (--set push.auth.audience=pixel-pipeline-push)" }}
{{- end }}
{{- if not (compact .Values.push.auth.serviceAccounts) }}
{{- $missing = append $missing "push.auth.serviceAccounts: the service account(s) the push subscription signs its tokens as, needed with ingest.mode=push (--set 'push.auth.serviceAccounts={pixel-pipeline-push@my-project.iam.gserviceaccount.com}')" }}
{{- end }}
{{- end }}
{{- with $missing }}
{{- fail (printf "\nthese values are required and not set:\n  - %s" (join "\n  - " .)) }}
{{- end }}
{{- end }}
