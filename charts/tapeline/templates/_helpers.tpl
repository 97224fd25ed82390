{{/*
Shared pieces of every Tapeline service. The kind templates (deployment.yaml, service.yaml, ...)
each range over .Values.services and call these with a per-service context:
  dict "root" $ "name" "<service>" "svc" (index $.Values.services "<service>")
so there is one definition per idea and no per-service copy.
*/}}

{{/*
Facts of the code, not settings: which backends each service uses and whom it calls over gRPC.
They change only when a service's code changes.
  kafka        reads the KAFKA_* variables (publishes or consumes topics)
  history      keeps history in ClickHouse (CLICKHOUSE_*), or embedded chDB in SERVICE_DATA_DIR
  redis        reads REDIS_URL
  http         serves the public HTTP API (gateway)
  singleWriter one pod only, never two at once (Recreate strategy, no scale-out): it holds order
               state in memory (oms, risk) or is the one publisher of its events (market-data's
               feeds: two pods would each publish every quote and trade; aggregation's bars)
  calls        services whose <NAME>_GRPC_ADDR it gets; strategy reads market-data and aggregation
               history for backtests
*/}}
{{- define "tapeline.catalog" -}}
symbol: { kafka: false, history: false, redis: false, http: false, singleWriter: false, calls: [] }
market-data: { kafka: true, history: true, redis: false, http: false, singleWriter: true, calls: [symbol] }
aggregation: { kafka: true, history: true, redis: true, http: false, singleWriter: true, calls: [symbol] }
oms: { kafka: true, history: true, redis: false, http: false, singleWriter: true, calls: [symbol, risk] }
risk: { kafka: true, history: false, redis: false, http: false, singleWriter: true, calls: [symbol] }
strategy: { kafka: true, history: false, redis: false, http: false, singleWriter: false, calls: [symbol, oms, market-data, aggregation] }
gateway: { kafka: false, history: false, redis: true, http: true, singleWriter: false, calls: [symbol, market-data, aggregation, oms, risk, strategy] }
{{- end }}

{{/* The catalog entry of one service, as YAML (use with fromYaml). Context: per-service dict. */}}
{{- define "tapeline.facts" -}}
{{- $catalog := include "tapeline.catalog" .root | fromYaml -}}
{{- if not (hasKey $catalog .name) -}}
{{- fail (printf "services.%s: unknown service (known: %s)" .name (keys $catalog | sortAlpha | join ", ")) -}}
{{- end -}}
{{- index $catalog .name | toYaml -}}
{{- end }}

{{/* Prefix of every resource name: the release name unless fullnameOverride is set. Context: root. */}}
{{- define "tapeline.prefix" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{/* "<prefix>-<service>": Deployment, Service, ServiceAccount, ConfigMap... Context: per-service dict. */}}
{{- define "tapeline.fullname" -}}
{{- printf "%s-%s" (include "tapeline.prefix" .root) .name -}}
{{- end }}

{{/* The in-cluster gRPC address of a service. Context: dict "root" $ "name" "<service>". */}}
{{- define "tapeline.grpcAddr" -}}
{{- printf "%s.%s.svc.%s:%d" (include "tapeline.fullname" .) .root.Release.Namespace .root.Values.clusterDomain (int .root.Values.ports.grpc) -}}
{{- end }}

{{/* "market-data" -> "MARKET_DATA". */}}
{{- define "tapeline.envName" -}}
{{- . | upper | replace "-" "_" -}}
{{- end }}

{{/* Labels on every object of the release; .component is optional. Context: dict "root" "component". */}}
{{- define "tapeline.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "tapeline.meshSelector" .root }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/part-of: tapeline
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Selects every pod of the release (the mesh). Context: root. */}}
{{- define "tapeline.meshSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selects one component's pods. Context: dict "root" "component". */}}
{{- define "tapeline.selectorLabels" -}}
{{ include "tapeline.meshSelector" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Full image reference. Context: dict "root" "name" "override". */}}
{{- define "tapeline.image" -}}
{{- if .override -}}
{{- .override -}}
{{- else -}}
{{- $img := .root.Values.image -}}
{{- $repo := printf "%s/%s" $img.repository .name -}}
{{- if $img.registry }}{{ $repo = printf "%s/%s" $img.registry $repo }}{{ end -}}
{{- printf "%s:%s" $repo (default .root.Chart.AppVersion $img.tag | toString) -}}
{{- end -}}
{{- end }}

{{/*
How a history service stores its embedded chDB: "pvc", "emptyDir", or "" (not a history service,
or a ClickHouse server is configured and persistence is not forced on). Context: per-service dict.
*/}}
{{- define "tapeline.storage" -}}
{{- $facts := include "tapeline.facts" . | fromYaml -}}
{{- if $facts.history -}}
{{- $enabled := "auto" -}}
{{- with .svc.persistence }}{{ if hasKey . "enabled" }}{{ $enabled = .enabled }}{{ end }}{{ end -}}
{{- $server := ne (toString .root.Values.clickhouse.url) "" -}}
{{- if or (eq (toString $enabled) "true") (and (eq (toString $enabled) "auto") (not $server)) -}}
pvc
{{- else if not $server -}}
emptyDir
{{- end -}}
{{- end -}}
{{- end }}

{{/* Name of the chart-managed development Secrets. Context: root. */}}
{{- define "tapeline.devSecretName" -}}
{{- printf "%s-dev-credentials" (include "tapeline.prefix" .) -}}
{{- end }}
{{- define "tapeline.devJwtSecretName" -}}
{{- printf "%s-dev-jwt-keys" (include "tapeline.prefix" .) -}}
{{- end }}

{{/*
Where one credential comes from, as YAML {name, key} or empty: the backend's existingSecret, else
the development Secret when it is created and holds that field. Context: dict "root" "existing"
"key" "devField".
*/}}
{{- define "tapeline.secretSource" -}}
{{- $dev := .root.Values.devSecret -}}
{{- if .existing -}}
name: {{ .existing }}
key: {{ .key }}
{{- else if and $dev.create (index $dev .devField) -}}
name: {{ include "tapeline.devSecretName" .root }}
key: {{ .key }}
{{- end -}}
{{- end }}

{{/* Secret holding the gateway's JWT keys, or empty. Context: root. */}}
{{- define "tapeline.jwtSecret" -}}
{{- if .Values.gateway.jwtKeys.existingSecret -}}
{{- .Values.gateway.jwtKeys.existingSecret -}}
{{- else if and .Values.devSecret.create .Values.devSecret.jwtKeys -}}
{{- include "tapeline.devJwtSecretName" . -}}
{{- end -}}
{{- end }}

{{/* Kafka bootstrap list: kafka.brokers, or the development broker. Context: root. */}}
{{- define "tapeline.kafkaBrokers" -}}
{{- if .Values.kafka.brokers -}}
{{- join "," .Values.kafka.brokers -}}
{{- else if .Values.devKafka.enabled -}}
{{- printf "%s-kafka-dev.%s.svc.%s:%d" (include "tapeline.prefix" .) .Release.Namespace .Values.clusterDomain (int .Values.devKafka.port) -}}
{{- end -}}
{{- end }}

{{/*
The non-secret environment of one service, as a YAML map of strings (sorted by name): the data of its ConfigMap
(and, hashed, the pod annotation that rolls the pods when it changes). Context: per-service dict.
*/}}
{{- define "tapeline.env" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $facts := include "tapeline.facts" . | fromYaml -}}
{{- $env := dict -}}
{{- $_ := set $env "GRPC_HOST" "0.0.0.0" -}}
{{- $_ := set $env "GRPC_PORT" (toString $v.ports.grpc) -}}
{{- $_ := set $env "METRICS_PORT" (toString $v.ports.metrics) -}}
{{- $_ := set $env "LOG_LEVEL" (default $v.logLevel .svc.logLevel) -}}
{{- $_ := set $env "SHUTDOWN_TIMEOUT_MS" (toString (int $v.shutdown.timeoutMs)) -}}
{{- with $v.otel.endpoint }}{{ $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end -}}
{{- range $facts.calls -}}
{{- $_ := set $env (printf "%s_GRPC_ADDR" (include "tapeline.envName" .)) (include "tapeline.grpcAddr" (dict "root" $root "name" .)) -}}
{{- end -}}
{{- if $facts.kafka -}}
{{- $k := $v.kafka -}}
{{- $_ := set $env "KAFKA_BROKERS" (include "tapeline.kafkaBrokers" $root) -}}
{{- $_ := set $env "KAFKA_CLIENT_ID" (printf "%s-%s" $k.clientIdPrefix .name) -}}
{{- $_ := set $env "KAFKA_TOPIC_PREFIX" $k.topicPrefix -}}
{{- $_ := set $env "KAFKA_SSL" (toString $k.ssl) -}}
{{- with $k.sasl.mechanism -}}
{{- $_ := set $env "KAFKA_SASL_MECHANISM" . -}}
{{- $_ := set $env "KAFKA_SASL_USERNAME" $k.sasl.username -}}
{{- end -}}
{{- $_ := set $env "KAFKA_TOPIC_PARTITIONS" (toString (int $k.topics.partitions)) -}}
{{- $_ := set $env "KAFKA_TOPIC_REPLICATION_FACTOR" (toString (int $k.topics.replicationFactor)) -}}
{{- $_ := set $env "KAFKA_TOPIC_RETENTION_MS" (toString (int64 $k.topics.retentionMs)) -}}
{{- end -}}
{{- if $facts.history -}}
{{- with $v.clickhouse.url -}}
{{- $_ := set $env "CLICKHOUSE_URL" . -}}
{{- $_ := set $env "CLICKHOUSE_USER" $v.clickhouse.user -}}
{{- $_ := set $env "CLICKHOUSE_DATABASE" (printf "%s%s" $v.clickhouse.databasePrefix (replace "-" "_" $.name)) -}}
{{- end -}}
{{- if include "tapeline.storage" . -}}
{{- $_ := set $env "SERVICE_DATA_DIR" $v.dataDir -}}
{{- end -}}
{{- end -}}
{{- if and $facts.redis $v.redis.url (not (include "tapeline.redisSecret" $root)) -}}
{{- $_ := set $env "REDIS_URL" $v.redis.url -}}
{{- end -}}
{{- if $facts.http -}}
{{- $_ := set $env "GATEWAY_PORT" (toString $v.ports.http) -}}
{{- $_ := set $env "GATEWAY_AUTH_MODE" $v.gateway.authMode -}}
{{- if include "tapeline.jwtSecret" $root -}}
{{- $_ := set $env "GATEWAY_SIGNING_KEYS_DIR" $v.gateway.jwtKeys.mountPath -}}
{{- end -}}
{{- with $v.gateway.identities.existingSecret -}}
{{- $_ := set $env "GATEWAY_CLIENTS_FILE" (printf "%s/%s" $v.gateway.identities.mountPath $v.gateway.identities.fileKey) -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := .svc.extraEnv -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end }}

{{/* Secret source of REDIS_URL, or empty. Context: root. */}}
{{- define "tapeline.redisSecret" -}}
{{- include "tapeline.secretSource" (dict "root" . "existing" .Values.redis.existingSecret "key" .Values.redis.urlKey "devField" "redisUrl") -}}
{{- end }}

{{/* The env entries read from Secrets, as a YAML list (may be empty). Context: per-service dict. */}}
{{- define "tapeline.secretEnv" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $facts := include "tapeline.facts" . | fromYaml -}}
{{- $refs := dict -}}
{{- if and $facts.kafka $v.kafka.sasl.mechanism -}}
{{- $_ := set $refs "KAFKA_SASL_PASSWORD" (include "tapeline.secretSource" (dict "root" $root "existing" $v.kafka.sasl.existingSecret "key" $v.kafka.sasl.passwordKey "devField" "kafkaSaslPassword")) -}}
{{- end -}}
{{- if and $facts.history $v.clickhouse.url -}}
{{- $_ := set $refs "CLICKHOUSE_PASSWORD" (include "tapeline.secretSource" (dict "root" $root "existing" $v.clickhouse.existingSecret "key" $v.clickhouse.passwordKey "devField" "clickhousePassword")) -}}
{{- end -}}
{{- if $facts.redis -}}
{{- $_ := set $refs "REDIS_URL" (include "tapeline.redisSecret" $root) -}}
{{- end -}}
{{- $list := list -}}
{{- range $key := keys $refs | sortAlpha -}}
{{- with index $refs $key -}}
{{- $list = append $list (dict "name" $key "valueFrom" (dict "secretKeyRef" (fromYaml .))) -}}
{{- end -}}
{{- end -}}
{{- with $list }}{{ toYaml . }}{{ end -}}
{{- end }}

{{/* Soft spread over zones and nodes. Context: dict "root" "component". */}}
{{- define "tapeline.topologySpread" -}}
{{- $selector := dict "matchLabels" (include "tapeline.selectorLabels" . | fromYaml) -}}
{{- $list := list -}}
{{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" -}}
{{- $list = append $list (dict "maxSkew" 1 "topologyKey" . "whenUnsatisfiable" "ScheduleAnyway" "labelSelector" $selector) -}}
{{- end -}}
{{- toYaml $list -}}
{{- end }}

{{/* Pod-level fields shared by every Deployment of the chart. Context: root. */}}
{{- define "tapeline.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Checks that the schema cannot express. Called once from deployment.yaml; fails the render with a
message naming the value to fix.
*/}}
{{- define "tapeline.validate" -}}
{{- $v := .Values -}}
{{- $s := $v.shutdown -}}
{{- $need := add (int $s.preStopSleepSeconds) (div (add (int $s.timeoutMs) 999) 1000) 1 -}}
{{- if gt (int $need) (int $s.terminationGracePeriodSeconds) -}}
{{- fail (printf "shutdown: preStopSleepSeconds (%d) + timeoutMs (%d ms) + 1 s does not fit in terminationGracePeriodSeconds (%d)" (int $s.preStopSleepSeconds) (int $s.timeoutMs) (int $s.terminationGracePeriodSeconds)) -}}
{{- end -}}
{{- if not (include "tapeline.kafkaBrokers" .) -}}
{{- fail "kafka.brokers is empty: list the bootstrap brokers (host:port), or set devKafka.enabled for a local cluster" -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not (include "tapeline.secretSource" (dict "root" . "existing" $v.kafka.sasl.existingSecret "key" $v.kafka.sasl.passwordKey "devField" "kafkaSaslPassword"))) -}}
{{- fail "kafka.sasl.mechanism is set: kafka.sasl.existingSecret must name the Secret holding the SASL password" -}}
{{- end -}}
{{- if and $v.kafka.sasl.mechanism (not $v.kafka.sasl.username) -}}
{{- fail "kafka.sasl.mechanism is set: kafka.sasl.username is required" -}}
{{- end -}}
{{- range $name, $svc := $v.services -}}
{{- $ctx := dict "root" $ "name" $name "svc" $svc -}}
{{- $hpa := $svc.autoscaling -}}
{{- if and $hpa.enabled (gt (int $hpa.minReplicas) (int $hpa.maxReplicas)) -}}
{{- fail (printf "services.%s.autoscaling: minReplicas (%d) is greater than maxReplicas (%d)" $name (int $hpa.minReplicas) (int $hpa.maxReplicas)) -}}
{{- end -}}
{{- /* Every service with an embedded store (a ReadWriteOnce volume) is one of these too. */ -}}
{{- $facts := include "tapeline.facts" $ctx | fromYaml -}}
{{- if and $facts.singleWriter (or $hpa.enabled (gt (int $svc.replicas) 1)) -}}
{{- fail (printf "services.%s: runs as one pod (it holds order state in memory or is the one publisher of its events), so replicas must be 1 and autoscaling disabled" $name) -}}
{{- end -}}
{{- end -}}
{{- end }}
