# terraform plan -var-file=environments/prod.tfvars
# Secrets are not in this file: export TF_VAR_clickhouse_password before planning.
name        = "tapeline-prod"
environment = "prod"
region      = "eu-west-2"

tags = {
  CostCentre = "trading-platform"
  Owner      = "platform-team"
}

vpc_cidr = "10.40.0.0/16"

kubernetes_version                   = "1.31"
cluster_endpoint_public_access_cidrs = ["203.0.113.0/24"] # office / VPN egress
node_instance_types                  = ["m6i.xlarge", "m6a.xlarge"]
node_group_size = {
  min     = 3
  desired = 6
  max     = 12
}

kafka_version        = "3.6.0"
kafka_instance_type  = "kafka.m7g.large"
kafka_broker_count   = 3
kafka_volume_size_gb = 1000

redis_node_type = "cache.r7g.large"
redis_replicas  = 2

clickhouse_url                      = "https://abc123xyz.eu-west-2.aws.clickhouse.cloud:8443"
clickhouse_user                     = "tapeline"
clickhouse_privatelink_service_name = "com.amazonaws.vpce.eu-west-2.vpce-svc-0123456789abcdef0"

namespace               = "tapeline"
image_tag               = "0.1.0"
gateway_host            = "trade.example.com"
gateway_jwt_secret_name = "tapeline-gateway-jwt"
