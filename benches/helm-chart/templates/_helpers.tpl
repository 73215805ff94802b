{{- define "krakend.fullname" -}}
{{- default .Values.chart.name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "krakend.labels" -}}
app.kubernetes.io/name: {{ .Values.chart.name }}
app.kubernetes.io/instance: {{ include "krakend.fullname" . }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: Helm
helm.sh/chart: {{ .Values.chart.name }}-{{ .Values.chart.version }}
{{- end -}}
{{- define "krakend.selector" -}}
app.kubernetes.io/name: {{ .Values.chart.name }}
app.kubernetes.io/instance: {{ include "krakend.fullname" . }}
{{- end -}}
