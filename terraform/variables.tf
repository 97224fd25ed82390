variable "name" {
  description = "Name prefix of every resource (e.g. tapeline-prod)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,30}$", var.name))
    error_message = "name must be 3-31 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "environment" {
  description = "Environment label (prod, staging, ...); also the Kafka topic prefix."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "tags" {
  description = "Extra tags on every AWS resource."
  type        = map(string)
  default     = {}
}

# --- network --------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "CIDR of the VPC; split into public, private and intra subnets over three AZs."
  type        = string
  default     = "10.40.0.0/16"
}

# --- EKS ------------------------------------------------------------------------------------

variable "kubernetes_version" {
  description = "EKS control plane version (the chart needs >= 1.27 for native gRPC probes)."
  type        = string
  default     = "1.31"
}

variable "cluster_endpoint_public_access_cidrs" {
  description = "CIDRs allowed to reach the public EKS API endpoint (empty: private endpoint only)."
  type        = list(string)
  default     = []
}

variable "node_instance_types" {
  description = "Instance types of the general node group running the mesh."
  type        = list(string)
  default     = ["m6i.xlarge"]
}

variable "node_group_size" {
  description = "Min, desired and max nodes of the general node group."
  type = object({
    min     = number
    desired = number
    max     = number
  })
  default = { min = 3, desired = 3, max = 9 }
}

# --- Kafka (MSK) ----------------------------------------------------------------------------

variable "kafka_version" {
  description = "Apache Kafka version of the MSK cluster."
  type        = string
  default     = "3.6.0"
}

variable "kafka_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "kafka_broker_count" {
  description = "Number of brokers; a multiple of the three AZs."
  type        = number
  default     = 3

  validation {
    condition     = var.kafka_broker_count % 3 == 0
    error_message = "kafka_broker_count must be a multiple of 3 (one per AZ)."
  }
}

variable "kafka_volume_size_gb" {
  description = "EBS storage per broker, in GiB."
  type        = number
  default     = 500
}

# --- Redis (ElastiCache) --------------------------------------------------------------------

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.r7g.large"
}

variable "redis_replicas" {
  description = "Read replicas beside the primary (>= 1 for automatic failover)."
  type        = number
  default     = 1
}

# --- ClickHouse -----------------------------------------------------------------------------

variable "clickhouse_url" {
  description = "HTTPS endpoint of the ClickHouse service (ClickHouse Cloud over PrivateLink), e.g. https://abc.eu-west-2.aws.clickhouse.cloud:8443."
  type        = string

  validation {
    condition     = can(regex("^https://", var.clickhouse_url))
    error_message = "clickhouse_url must be an https:// URL."
  }
}

variable "clickhouse_user" {
  description = "ClickHouse user of the services."
  type        = string
  default     = "tapeline"
}

variable "clickhouse_password" {
  description = "ClickHouse password; pass it as TF_VAR_clickhouse_password, never in a tfvars file."
  type        = string
  sensitive   = true
}

# --- the application ------------------------------------------------------------------------

variable "namespace" {
  description = "Kubernetes namespace of the Tapeline release."
  type        = string
  default     = "tapeline"
}

variable "image_tag" {
  description = "Tag of the service images in ECR (built by CI from charts/Dockerfile)."
  type        = string
}

variable "gateway_host" {
  description = "Public hostname of the gateway (GraphQL and OAuth)."
  type        = string
}

variable "gateway_jwt_secret_name" {
  description = "Kubernetes Secret with the gateway's JWT key files, managed outside Terraform so keys rotate without an apply."
  type        = string
  default     = "tapeline-gateway-jwt"
}

variable "ingress_nginx_chart_version" {
  description = "Version of the ingress-nginx chart."
  type        = string
  default     = "4.11.3"
}

variable "kube_prometheus_stack_chart_version" {
  description = "Version of the kube-prometheus-stack chart (Prometheus Operator CRDs, Prometheus, Alertmanager)."
  type        = string
  default     = "65.1.1"
}

variable "clickhouse_privatelink_service_name" {
  description = "VPC endpoint service name ClickHouse Cloud gives for PrivateLink in this region; empty to reach the service over its public endpoint (IP allow-list)."
  type        = string
  default     = ""
}
