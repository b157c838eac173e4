{{/* The release name when it already says inventorybot (helm install inventorybot ...), else <release>-inventorybot. */}}
{{- define "inventorybot.fullname" -}}
{{- if contains "inventorybot" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-inventorybot" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "inventorybot.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
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

{{- define "inventorybot.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The operator's permissions, written once in files/operator-rules.yaml. */}}
{{- define "inventorybot.operatorRules" -}}
{{ .Files.Get "files/operator-rules.yaml" }}
{{- end -}}
