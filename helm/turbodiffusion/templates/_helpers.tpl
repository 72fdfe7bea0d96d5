{{- define "turbo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "turbo.fullname" -}}
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

{{- define "turbo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "turbo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "turbo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "turbo.labels" -}}
helm.sh/chart: {{ include "turbo.chart" . }}
{{ include "turbo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: turbodiffusion
{{- end }}

{{- define "turbo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "turbo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "turbo.secretName" -}}
{{- default (include "turbo.fullname" .) .Values.existingSecret }}
{{- end }}

{{- define "turbo.configName" -}}
{{- include "turbo.fullname" . }}-settings
{{- end }}

{{/* Image reference of one entry of .Values.images; the tag defaults to the chart's appVersion. */}}
{{- define "turbo.image" -}}
{{- $image := index .root.Values.images .key }}
{{- printf "%s:%s" $image.repository (default .root.Chart.AppVersion $image.tag) }}
{{- end }}

{{/* Seconds as a TimeSpan ("hh:mm:ss"), the form the processes read durations in. */}}
{{- define "turbo.timespan" -}}
{{- $s := int . }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (div (mod $s 3600) 60) (mod $s 60) }}
{{- end }}

{{/* A pool's drain grace in seconds: its own value, else the silo default. */}}
{{- define "turbo.poolDrain" -}}
{{- $pool := .pool }}
{{- if hasKey $pool "drainGracePeriodSeconds" }}{{ $pool.drainGracePeriodSeconds | int }}{{ else }}{{ .root.Values.silo.drainGracePeriodSeconds | int }}{{ end }}
{{- end }}

{{/*
terminationGracePeriodSeconds of a pool. The silo's host shuts down within DrainGracePeriod + 30 s and the kubelet
also spends the preStop hook's time from this budget, so anything below DrainGracePeriod + 45 s risks a SIGKILL
that abandons the running job instead of handing it back.
*/}}
{{- define "turbo.poolTermination" -}}
{{- $drain := include "turbo.poolDrain" . | int }}
{{- $least := add $drain 45 }}
{{- $set := .root.Values.silo.terminationGracePeriodSeconds }}
{{- if hasKey .pool "terminationGracePeriodSeconds" }}{{ $set = .pool.terminationGracePeriodSeconds }}{{ end }}
{{- if kindIs "invalid" $set }}
{{- $least }}
{{- else if lt (int $set) $least }}
{{- fail (printf "pool %q: terminationGracePeriodSeconds %d is below drainGracePeriodSeconds (%d) + 45 = %d; raise it or leave it null to derive it" .pool.name (int $set) $drain $least) }}
{{- else }}
{{- int $set }}
{{- end }}
{{- end }}

{{/* Key-by-key overlay of a pool's block over the defaults; sprig's merge would let defaults win over false and 0. */}}
{{- define "turbo.overlay" -}}
{{- $result := deepCopy .defaults }}
{{- range $key, $value := (.over | default dict) }}
{{- $_ := set $result $key $value }}
{{- end }}
{{- toJson $result }}
{{- end }}

{{/* An emptyDir source as flow YAML; `{}` when neither medium nor sizeLimit is set, since a bare key would be null. */}}
{{- define "turbo.emptyDir" -}}
{{- $source := dict }}
{{- with .medium }}{{ $_ := set $source "medium" . }}{{ end }}
{{- with .sizeLimit }}{{ $_ := set $source "sizeLimit" (toString .) }}{{ end }}
{{- toJson $source }}
{{- end }}

{{- define "turbo.poolLabels" -}}
app.kubernetes.io/component: silo
turbodiffusion.io/pool: {{ .name }}
{{- end }}

{{- define "turbo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
capabilities:
  drop:
    - ALL
{{- end }}

{{- define "turbo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Checks that span several values, which values.schema.json cannot express. The ConfigMap, which every release
renders, includes it, so `helm template` and `helm install` fail before anything is applied.
*/}}
{{- define "turbo.validate" -}}
{{- $names := dict }}
{{- $models := dict }}
{{- range .Values.pools }}
{{- if hasKey $names .name }}
{{- fail (printf "pools: the pool name %q is used twice; every pool needs its own name" .name) }}
{{- end }}
{{- $_ := set $names .name true }}
{{- if hasKey $models .model }}
{{- fail (printf "pools: the model %q is served by pools %q and %q; Turbo:Scheduler:ModelPools maps a model to one pool" .model (get $models .model) .name) }}
{{- end }}
{{- $_ := set $models .model .name }}
{{- $_ := include "turbo.poolTermination" (dict "root" $ "pool" .) }}
{{- if and .prefetch .prefetch.enabled (or (not .modelVolume) (eq .modelVolume.type "none")) }}
{{- fail (printf "pool %q: prefetch needs a modelVolume to write the weights to; set modelVolume.type" .name) }}
{{- end }}
{{- end }}
{{- if and .Values.scheduler.defaultPool (not (hasKey $names .Values.scheduler.defaultPool)) }}
{{- fail (printf "scheduler.defaultPool %q is not the name of a pool; models without a pool would wait forever" .Values.scheduler.defaultPool) }}
{{- end }}
{{- if not .Values.existingSecret }}
{{- if not .Values.secrets.redisConnectionString }}
{{- fail "secrets.redisConnectionString is required (Orleans membership and job state live in Redis); set it or name an existingSecret" }}
{{- end }}
{{- if and (not .Values.secrets.adminKey) (not .Values.secrets.apiKeys) (not .Values.gateway.anonymous) }}
{{- fail "gateway: no secrets.adminKey, secrets.apiKeys or existingSecret is set, and the gateway refuses to serve keyless on a pod network; give it keys, or set gateway.anonymous=true to serve without them" }}
{{- end }}
{{- end }}
{{- end }}
