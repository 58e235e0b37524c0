{{/* Names, labels and the mTLS material shared by every template. */}}

{{- define "faultline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "faultline.fullname" -}}
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

{{- define "faultline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "faultline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: faultline
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Selector labels of one component: include "faultline.selectorLabels" (list . "manager") */}}
{{- define "faultline.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "faultline.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "faultline.manager.serviceAccountName" -}}
{{- if .Values.manager.serviceAccount.create }}
{{- default (printf "%s-manager" (include "faultline.fullname" .)) .Values.manager.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.manager.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "faultline.daemon.serviceAccountName" -}}
{{- if .Values.daemon.serviceAccount.create }}
{{- default (printf "%s-daemon" (include "faultline.fullname" .)) .Values.daemon.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.daemon.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "faultline.dashboard.serviceAccountName" -}}
{{- if .Values.dashboard.serviceAccount.create }}
{{- default (printf "%s-dashboard" (include "faultline.fullname" .)) .Values.dashboard.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.dashboard.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The headless Service the manager finds daemons through; the manager's flag names it too. */}}
{{- define "faultline.daemon.serviceName" -}}chaos-daemon{{- end }}

{{/* The server name the manager verifies; the daemon's certificate carries it. */}}
{{- define "faultline.daemon.serverName" -}}chaos-daemon.chaos-mesh.org{{- end }}

{{/*
The manager's identity: its certificate's CN on both TLS paths, and the only client name the
daemon serves (--tls-client-name). The daemon's own certificate (CN and SAN the server name above)
is refused as a client even though Helm's genSignedCert gives it clientAuth too.
*/}}
{{- define "faultline.manager.clientName" -}}faultline-manager{{- end }}

{{- define "faultline.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{- define "faultline.tls.caSecretName" -}}{{ include "faultline.fullname" . }}-ca{{- end }}
{{- define "faultline.tls.daemonSecretName" -}}{{ include "faultline.fullname" . }}-daemon-tls{{- end }}
{{- define "faultline.tls.managerSecretName" -}}{{ include "faultline.fullname" . }}-manager-tls{{- end }}

{{/*
The chart-generated mTLS material, computed once per render and cached in .Values so that the
Secrets and both workloads' checksum annotations see the same certificates.

Upgrades reuse what the cluster holds (lookup): the CA Secret when it has a certificate and key,
and each leaf Secret when it was signed by that CA. Whatever is missing is generated (a missing CA
regenerates both leaves), and the checksum of all three certificates changes, which rolls the
manager and the daemons together: neither side is left holding a certificate the other rejects.
Outside a cluster (helm template, --dry-run=client) lookup finds nothing and all is generated.
*/}}
{{- define "faultline.tls.material" -}}
{{- if not (hasKey .Values "faultlineGeneratedTls") }}
{{- $days := int .Values.tls.validityDays }}
{{- $ns := .Release.Namespace }}
{{- $caSecret := lookup "v1" "Secret" $ns (include "faultline.tls.caSecretName" .) | default dict }}
{{- $caData := get $caSecret "data" | default dict }}
{{- $ca := dict }}
{{- $reuseCa := and (get $caData "tls.crt") (get $caData "tls.key") }}
{{- if $reuseCa }}
{{- $ca = buildCustomCert (get $caData "tls.crt") (get $caData "tls.key") }}
{{- else }}
{{- $ca = genCA "faultline-ca" $days }}
{{- end }}
{{- $leaves := dict }}
{{- range $who, $secretName := dict "daemon" (include "faultline.tls.daemonSecretName" $) "manager" (include "faultline.tls.managerSecretName" $) }}
{{- $data := get (lookup "v1" "Secret" $ns $secretName | default dict) "data" | default dict }}
{{- if and $reuseCa (get $data "tls.crt") (get $data "tls.key") (eq (get $data "ca.crt" | b64dec) $ca.Cert) }}
{{- $_ := set $leaves $who (dict "Cert" (get $data "tls.crt" | b64dec) "Key" (get $data "tls.key" | b64dec)) }}
{{- else if eq $who "daemon" }}
{{- $serverName := include "faultline.daemon.serverName" $ }}
{{- $_ := set $leaves $who (genSignedCert $serverName nil (list $serverName) $days $ca) }}
{{- else }}
{{- $_ := set $leaves $who (genSignedCert (include "faultline.manager.clientName" $) nil nil $days $ca) }}
{{- end }}
{{- end }}
{{- $_ := set .Values "faultlineGeneratedTls" (dict "ca" $ca "daemon" $leaves.daemon "manager" $leaves.manager) }}
{{- end }}
{{- end }}

{{/* Pod annotation that changes whenever any certificate does, so both sides roll together. */}}
{{- define "faultline.tls.checksumAnnotation" -}}
{{- if and .Values.tls.enabled (not .Values.tls.certManager.enabled) }}
{{- include "faultline.tls.material" . }}
{{- $m := .Values.faultlineGeneratedTls }}
checksum/tls: {{ printf "%s%s%s" $m.ca.Cert $m.daemon.Cert $m.manager.Cert | sha256sum }}
{{- end }}
{{- end }}

{{/* Flags and mounts of the TLS files; the Secret holds ca.crt, tls.crt and tls.key either way. */}}
{{- define "faultline.tls.args" -}}
{{- if .Values.tls.enabled }}
- --tls-cert=/etc/faultline/tls/tls.crt
- --tls-key=/etc/faultline/tls/tls.key
- --tls-ca=/etc/faultline/tls/ca.crt
{{- end }}
{{- end }}
