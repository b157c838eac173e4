{{/* fullnameOverride; else the release name when it already says inventorybot (helm install inventorybot ...), else <release>-inventorybot. */}}
{{- define "inventorybot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains "inventorybot" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-inventorybot" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "inventorybot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "inventorybot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "inventorybot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "inventorybot.labels" -}}
{{ include "inventorybot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: inventorybot
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "inventorybot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "inventorybot.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Values a parent chart shares with its subcharts (global.imageRegistry, global.imagePullSecrets). */}}
{{- define "inventorybot.global" -}}
{{- toYaml (.Values.global | default dict) -}}
{{- end -}}

{{/* [global.imageRegistry/]repository, then @digest when set (pinned), else :tag (default appVersion). */}}
{{- define "inventorybot.image" -}}
{{- $global := include "inventorybot.global" . | fromYaml -}}
{{- $repository := .Values.image.repository -}}
{{- with $global.imageRegistry }}{{ $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}{{ end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The chart's imagePullSecrets plus global.imagePullSecrets (names or {name: ...}). */}}
{{- define "inventorybot.imagePullSecrets" -}}
{{- $global := include "inventorybot.global" . | fromYaml -}}
{{- $secrets := list -}}
{{- range concat (.Values.imagePullSecrets | default list) ($global.imagePullSecrets | default list) -}}
{{- $secrets = append $secrets (ternary (dict "name" .) . (kindIs "string" .)) -}}
{{- end -}}
{{- with $secrets | uniq }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* Create a Prometheus Operator object: enabled, and its CRD is served (or force: helm template, GitOps). */}}
{{- define "inventorybot.monitoringObject" -}}
{{- $values := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $kind := index . 2 -}}
{{- if and $values.enabled (or $values.force ($ctx.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" $kind))) -}}
true
{{- end -}}
{{- end -}}

{{/* The operator's permissions, written once in files/operator-rules.yaml. */}}
{{- define "inventorybot.operatorRules" -}}
{{ .Files.Get "files/operator-rules.yaml" }}
{{- end -}}

{{- define "inventorybot.externalMetricsService" -}}
{{- printf "%s-external-metrics" (include "inventorybot.fullname" .) -}}
{{- end -}}

{{- define "inventorybot.externalMetricsSecret" -}}
{{- printf "%s-external-metrics-tls" (include "inventorybot.fullname" .) -}}
{{- end -}}

{{/*
The external-metrics serving certificate and its CA (base64), when Helm makes them (externalMetrics enabled,
certManager off): the existing Secret's, found with `lookup`, so upgrades keep the certificate and the
operator does not roll; a new CA and certificate only when there is none (first install, `helm template`,
or after deleting the Secret to rotate). Computed once per render and kept on the root context, because
the Secret, the APIService caBundle and the pod checksum must all see the same one.
*/}}
{{- define "inventorybot.externalMetricsTLS" -}}
{{- if and .Values.externalMetrics.enabled (not .Values.externalMetrics.certManager.enabled) -}}
{{- if not (hasKey . "inventorybotExternalMetricsTLS") -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "inventorybot.externalMetricsSecret" .) -}}
{{- $data := dict -}}
{{- if $existing -}}{{- $data = $existing.data | default dict -}}{{- end -}}
{{- $tls := dict -}}
{{- if and (hasKey $data "tls.crt") (hasKey $data "tls.key") (hasKey $data "ca.crt") -}}
{{- $tls = dict "crt" (index $data "tls.crt") "key" (index $data "tls.key") "ca" (index $data "ca.crt") -}}
{{- else -}}
{{- $service := include "inventorybot.externalMetricsService" . -}}
{{- $ns := .Release.Namespace -}}
{{- $dns := list $service (printf "%s.%s" $service $ns) (printf "%s.%s.svc" $service $ns) (printf "%s.%s.svc.cluster.local" $service $ns) -}}
{{- $days := int .Values.externalMetrics.certValidityDays -}}
{{- $ca := genCA (printf "%s-ca" $service) $days -}}
{{- $cert := genSignedCert (printf "%s.%s.svc" $service $ns) nil $dns $days $ca -}}
{{- $tls = dict "crt" ($cert.Cert | b64enc) "key" ($cert.Key | b64enc) "ca" ($ca.Cert | b64enc) -}}
{{- end -}}
{{- $_ := set . "inventorybotExternalMetricsTLS" $tls -}}
{{- end -}}
{{- toYaml (index . "inventorybotExternalMetricsTLS") -}}
{{- end -}}
{{- end -}}

{{/* Checksum of the serving certificate for the pod annotation; empty when Helm does not make it. */}}
{{- define "inventorybot.externalMetricsCertChecksum" -}}
{{- with include "inventorybot.externalMetricsTLS" . | fromYaml -}}
{{- .crt | sha256sum | trunc 16 -}}
{{- end -}}
{{- end -}}

{{- define "inventorybot.secretRules" -}}
{{ .Files.Get "files/secret-rules.yaml" }}
{{- end -}}
