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
{{- $pipeline := dict "ingest" (dict "mode" .Values.ingest.mode) "bigquery" (dict "dataset" .Values.bigquery.dataset) }}
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
