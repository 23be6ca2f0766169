{{/* Names ------------------------------------------------------------------------------------------------- */}}

{{- define "hl7-router.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hl7-router.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "hl7-router.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "hl7-router.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A component's resource name: <fullname>-<component>, e.g. hl7-router-gateway, hl7-router-adapter-lab. */}}
{{- define "hl7-router.componentName" -}}
{{- printf "%s-%s" (include "hl7-router.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hl7-router.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hl7-router.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "hl7-router.logHashKeySecretName" -}}
{{- default (printf "%s-log-hash-key" (include "hl7-router.fullname" .)) .Values.logHashKey.existingSecret -}}
{{- end -}}

{{/* Labels (call with dict "root" $ "component" "gateway") -------------------------------------------------- */}}

{{- define "hl7-router.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hl7-router.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hl7-router.labels" -}}
{{ include "hl7-router.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: hl7-router
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The image of a component: its own image.repository/tag when set, else the chart's. */}}
{{- define "hl7-router.image" -}}
{{- $own := .spec.image | default dict -}}
{{- $repository := $own.repository | default .root.Values.image.repository -}}
{{- $tag := $own.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" $repository $tag -}}
{{- end -}}

{{/* Environment every app reads: Kafka, registry, log level (SASL and registry credentials from Secrets). */}}
{{- define "hl7-router.connectionEnv" -}}
{{- $v := .Values -}}
- name: KAFKA_BROKERS
  value: {{ $v.kafka.brokers | quote }}
- name: KAFKA_SSL
  value: {{ $v.kafka.tls.enabled | quote }}
{{- if $v.kafka.tls.caSecret.name }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/hl7-router/kafka-ca/{{ $v.kafka.tls.caSecret.key }}
{{- end }}
{{- if $v.kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $v.kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required when kafka.sasl.mechanism is set" $v.kafka.sasl.existingSecret }}
      key: {{ $v.kafka.sasl.usernameKey }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.kafka.sasl.existingSecret }}
      key: {{ $v.kafka.sasl.passwordKey }}
{{- end }}
- name: SCHEMA_REGISTRY_URL
  value: {{ $v.schemaRegistry.url | quote }}
{{- if $v.schemaRegistry.basicAuth.existingSecret }}
- name: SCHEMA_REGISTRY_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $v.schemaRegistry.basicAuth.existingSecret }}
      key: {{ $v.schemaRegistry.basicAuth.usernameKey }}
- name: SCHEMA_REGISTRY_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.schemaRegistry.basicAuth.existingSecret }}
      key: {{ $v.schemaRegistry.basicAuth.passwordKey }}
{{- end }}
- name: TOPIC_PARTITIONS
  value: {{ include "hl7-router.settingValue" $v.topics.partitions }}
- name: TOPIC_REPLICATION_FACTOR
  value: {{ include "hl7-router.settingValue" $v.topics.replicationFactor }}
{{- with $v.topics.minInsyncReplicas }}
- name: TOPIC_MIN_INSYNC_REPLICAS
  value: {{ include "hl7-router.settingValue" . }}
{{- end }}
- name: DEAD_LETTER_RETENTION_MS
  value: {{ mul $v.topics.deadLetterRetentionDays 86400000 | int64 | toString | quote }}
- name: LOG_LEVEL
  value: {{ $v.logLevel | quote }}
{{- with $v.tracing.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ $v.tracing.protocol | quote }}
- name: OTEL_TRACES_SAMPLER
  value: {{ $v.tracing.sampler | quote }}
{{- with $v.tracing.samplerArg }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ . | quote }}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "k8s.namespace.name=%s" $.Release.Namespace | quote }}
{{- end }}
{{- end -}}

{{- define "hl7-router.logHashKeyEnv" -}}
- name: LOG_HASH_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "hl7-router.logHashKeySecretName" . }}
      key: {{ .Values.logHashKey.key }}
{{- end -}}

{{/*
The pod template every app shares. Call with a dict:
  root: $, component: "gateway", app: "mllp-gateway" (the image's APP), spec: the component's values,
  env: extra container env (YAML list text), ports: container ports (YAML list text),
  volumes / volumeMounts: extra (YAML list text), checksum: of the component's ConfigMap,
  configMap: name of the ConfigMap loaded with envFrom.
*/}}
{{- define "hl7-router.podTemplate" -}}
{{- $root := .root -}}
{{- $spec := .spec -}}
metadata:
  labels:
    {{- include "hl7-router.selectorLabels" (dict "root" $root "component" .component) | nindent 4 }}
    app.kubernetes.io/part-of: hl7-router
    {{- with $spec.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ .checksum }}
    {{- with $spec.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "hl7-router.serviceAccountName" $root }}
  automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  terminationGracePeriodSeconds: {{ $spec.terminationGracePeriodSeconds }}
  containers:
    - name: {{ .component }}
      image: {{ include "hl7-router.image" (dict "root" $root "spec" $spec) | quote }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      env:
        - name: APP
          value: {{ .app | quote }}
        - name: HTTP_PORT
          value: {{ include "hl7-router.settingValue" $spec.httpPort }}
        {{- include "hl7-router.connectionEnv" $root | nindent 8 }}
        {{- with .env }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with $spec.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      envFrom:
        - configMapRef:
            name: {{ .configMap }}
      ports:
        - name: http
          containerPort: {{ $spec.httpPort }}
          protocol: TCP
        {{- with .ports }}
        {{- . | nindent 8 }}
        {{- end }}
      startupProbe:
        httpGet: { path: /health/live, port: http }
        periodSeconds: {{ ($spec.startupProbe).periodSeconds | default 5 }}
        failureThreshold: {{ ($spec.startupProbe).failureThreshold | default 24 }}
      livenessProbe:
        httpGet: { path: /health/live, port: http }
        periodSeconds: 10
        timeoutSeconds: 3
        failureThreshold: 3
      readinessProbe:
        httpGet: { path: /health/ready, port: http }
        periodSeconds: 5
        timeoutSeconds: 3
        failureThreshold: 2
      {{- if gt (int $spec.preStopSleepSeconds) 0 }}
      lifecycle:
        preStop:
          exec:
            command: ["sleep", {{ $spec.preStopSleepSeconds | quote }}]
      {{- end }}
      resources:
        {{- toYaml $spec.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if $root.Values.kafka.tls.caSecret.name }}
        - name: kafka-ca
          mountPath: /etc/hl7-router/kafka-ca
          readOnly: true
        {{- end }}
        {{- with .volumeMounts }}
        {{- . | nindent 8 }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 256Mi
    {{- if $root.Values.kafka.tls.caSecret.name }}
    - name: kafka-ca
      secret:
        secretName: {{ $root.Values.kafka.tls.caSecret.name }}
    {{- end }}
    {{- with .volumes }}
    {{- . | nindent 4 }}
    {{- end }}
  {{- with $spec.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $spec.topologySpreadConstraints }}
  topologySpreadConstraints:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* The KEDA Kafka trigger's connection metadata and its TriggerAuthentication reference. */}}
{{- define "hl7-router.kedaKafkaMetadata" -}}
bootstrapServers: {{ .Values.kafka.brokers | quote }}
{{- if .Values.kafka.sasl.mechanism }}
sasl: {{ get (dict "plain" "plaintext" "scram-sha-256" "scram_sha256" "scram-sha-512" "scram_sha512") .Values.kafka.sasl.mechanism | quote }}
{{- end }}
tls: {{ ternary "enable" "disable" .Values.kafka.tls.enabled | quote }}
{{- end -}}

{{- define "hl7-router.kedaNeedsAuth" -}}
{{- if or .Values.kafka.sasl.mechanism .Values.kafka.tls.caSecret.name -}}true{{- end -}}
{{- end -}}

{{/* Fails the render on an impossible range, or a consumer that could scale past the partitions it reads (c: a component). */}}
{{- define "hl7-router.checkReplicas" -}}
{{- $a := .c.spec.autoscaling -}}
{{- if and .c.group (gt (int $a.maxReplicas) (int .root.Values.topics.partitions)) -}}
{{- fail (printf "%s.autoscaling.maxReplicas (%d) exceeds topics.partitions (%d): replicas beyond the partition count would sit idle" .c.path (int $a.maxReplicas) (int .root.Values.topics.partitions)) -}}
{{- end -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "%s.autoscaling.minReplicas exceeds maxReplicas" .c.path) -}}
{{- end -}}
{{- end -}}

{{/* A setting's value as the string the environment carries (whole numbers without an exponent). */}}
{{- define "hl7-router.settingValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq . (floor .) -}}{{- int64 . | toString | quote -}}{{- else -}}{{- toString . | quote -}}{{- end -}}
{{- else -}}
{{- toString . | quote -}}
{{- end -}}
{{- end -}}

{{/* ConfigMap data lines from a settings map. */}}
{{- define "hl7-router.settingsData" -}}
{{- range $key, $value := . }}
{{ $key }}: {{ include "hl7-router.settingValue" $value }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget (dict "root" $ "component" "gateway" "spec" .Values.gateway). */}}
{{- define "hl7-router.pdb" -}}
{{- $pdb := .spec.podDisruptionBudget -}}
{{- if $pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "hl7-router.componentName" . }}
  labels:
    {{- include "hl7-router.labels" . | nindent 4 }}
spec:
  {{- if hasKey $pdb "maxUnavailable" }}
  maxUnavailable: {{ $pdb.maxUnavailable }}
  {{- else }}
  minAvailable: {{ $pdb.minAvailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "hl7-router.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
The enabled components as a list of dicts, for templates that cover them all: component, app, spec, path, kind (of
workload) and, for the Kafka consumers, group and topic (what their lag is measured on).
*/}}
{{- define "hl7-router.components" -}}
{{- $list := list -}}
{{- if .Values.gateway.enabled -}}
{{- $list = append $list (dict "component" "gateway" "app" "mllp-gateway" "spec" .Values.gateway "path" "gateway" "kind" "Deployment") -}}
{{- end -}}
{{- if .Values.router.enabled -}}
{{- $list = append $list (dict "component" "router" "app" "router" "spec" .Values.router "path" "router" "kind" "StatefulSet" "group" .Values.router.applicationId "topic" .Values.topics.adt) -}}
{{- end -}}
{{- if .Values.console.enabled -}}
{{- $list = append $list (dict "component" "console" "app" "console" "spec" .Values.console "path" "console" "kind" "StatefulSet") -}}
{{- end -}}
{{- range $name, $adapter := include "hl7-router.adapters" . | fromJson -}}
{{- $component := printf "adapter-%s" $name -}}
{{- $list = append $list (dict "component" $component "app" ($adapter.app | default $component) "spec" $adapter "path" (printf "adapters.%s" $name) "kind" "Deployment" "group" (include "hl7-router.adapterGroupId" (dict "name" $name "spec" $adapter)) "topic" (include "hl7-router.adapterSourceTopic" (dict "name" $name "spec" $adapter))) -}}
{{- end -}}
{{- toJson $list -}}
{{- end -}}

{{/* An adapter's consumer group and source topic (its values, else the adapter SDK's defaults). */}}
{{- define "hl7-router.adapterGroupId" -}}
{{- .spec.groupId | default (printf "hl7-adapter-%s" .name) -}}
{{- end -}}
{{- define "hl7-router.adapterSourceTopic" -}}
{{- .spec.sourceTopic | default (printf "hl7.route.%s.v1" .name) -}}
{{- end -}}

{{/* Deep merge of two maps, "over" winning key by key (false and 0 included, unlike sprig's merge): JSON. */}}
{{- define "hl7-router.merge" -}}
{{- $out := deepCopy .base -}}
{{- range $key, $value := .over -}}
{{- if and (kindIs "map" $value) (kindIs "map" (index $out $key)) -}}
{{- $_ := set $out $key (include "hl7-router.merge" (dict "base" (index $out $key) "over" $value) | fromJson) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/* The enabled adapters, each merged over adapterDefaults: JSON map name -> values. */}}
{{- define "hl7-router.adapters" -}}
{{- $out := dict -}}
{{- range $name, $own := .Values.adapters -}}
{{- $a := include "hl7-router.merge" (dict "base" $.Values.adapterDefaults "over" ($own | default dict)) | fromJson -}}
{{- if $a.enabled -}}
{{- $_ := set $out $name $a -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
