# Tapeline production footprint on AWS:
#   VPC over three AZs -> EKS (the mesh) -> MSK (Kafka bus, SASL/SCRAM over TLS)
#   -> ElastiCache Redis (TLS + AUTH) -> ClickHouse (see below) -> ECR (one repository per service)
#   -> ingress-nginx, metrics-server, kube-prometheus-stack -> the charts/tapeline release.
#
# ClickHouse: ClickHouse Cloud in the same region, reached over PrivateLink. It is the one backend
# with no AWS-managed equivalent; running it ourselves (Altinity clickhouse-operator with a
# ClickHouseInstallation on a dedicated, tainted node group with gp3 volumes, plus ZooKeeper or
# ClickHouse Keeper for replication) is the alternative when data must stay in this account, at the
# cost of owning upgrades, backups and replication. Here the service is created outside Terraform
# (its own provider and account) and enters as clickhouse_url + clickhouse_password.

data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

data "aws_caller_identity" "current" {}

locals {
  name     = var.name
  azs      = slice(data.aws_availability_zones.available.names, 0, 3)
  services = ["symbol", "market-data", "aggregation", "oms", "risk", "strategy", "gateway"]

  tags = merge(var.tags, {
    Project     = "tapeline"
    Environment = var.environment
    ManagedBy   = "terraform"
  })

  ecr_registry       = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.amazonaws.com"
  credentials_secret = "tapeline-credentials"
  kafka_username     = "tapeline"
}

# --- encryption -----------------------------------------------------------------------------

# One customer-managed key for the data at rest of MSK, ElastiCache, ECR and the MSK SCRAM
# secret (MSK requires a customer-managed key for SCRAM secrets).
resource "aws_kms_key" "data" {
  description             = "${local.name} data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_kms_alias" "data" {
  name          = "alias/${local.name}-data"
  target_key_id = aws_kms_key.data.key_id
}

# --- network --------------------------------------------------------------------------------

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.13"

  name = local.name
  cidr = var.vpc_cidr
  azs  = local.azs

  # /20 private subnets for nodes, pods (VPC CNI), MSK and Redis; /24 public for the NLB;
  # /24 intra (no internet route) for the EKS control plane interfaces.
  private_subnets = [for i, az in local.azs : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets  = [for i, az in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 48)]
  intra_subnets   = [for i, az in local.azs : cidrsubnet(var.vpc_cidr, 8, i + 52)]

  enable_nat_gateway     = true
  single_nat_gateway     = false
  one_nat_gateway_per_az = true
  enable_dns_hostnames   = true
  enable_dns_support     = true

  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
  }
}

# --- EKS ------------------------------------------------------------------------------------

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.24"

  cluster_name    = local.name
  cluster_version = var.kubernetes_version

  cluster_endpoint_private_access          = true
  cluster_endpoint_public_access           = length(var.cluster_endpoint_public_access_cidrs) > 0
  cluster_endpoint_public_access_cidrs     = var.cluster_endpoint_public_access_cidrs
  enable_cluster_creator_admin_permissions = true

  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.private_subnets
  control_plane_subnet_ids = module.vpc.intra_subnets

  cluster_addons = {
    coredns                = {}
    kube-proxy             = {}
    eks-pod-identity-agent = {}
    vpc-cni = {
      before_compute = true
      # Enforces the chart's NetworkPolicies (VPC CNI network policy agent).
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
    }
    aws-ebs-csi-driver = {
      service_account_role_arn = module.ebs_csi_irsa.iam_role_arn
    }
  }

  eks_managed_node_groups = {
    # The seven services, ingress-nginx and monitoring. Pods scale with their HPAs; add
    # Karpenter or cluster-autoscaler for the nodes to follow beyond desired_size.
    mesh = {
      ami_type       = "AL2023_x86_64_STANDARD"
      instance_types = var.node_instance_types
      capacity_type  = "ON_DEMAND"

      min_size     = var.node_group_size.min
      desired_size = var.node_group_size.desired
      max_size     = var.node_group_size.max

      labels = {
        "tapeline.io/pool" = "mesh"
      }
    }
  }
}

module "ebs_csi_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.44"

  role_name             = "${local.name}-ebs-csi"
  attach_ebs_csi_policy = true

  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["kube-system:ebs-csi-controller-sa"]
    }
  }
}

# --- Kafka: MSK -----------------------------------------------------------------------------

resource "aws_security_group" "kafka" {
  name_prefix = "${local.name}-msk-"
  description = "MSK brokers: SASL/SCRAM over TLS from the EKS nodes"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "kafka_from_nodes" {
  security_group_id            = aws_security_group.kafka.id
  referenced_security_group_id = module.eks.node_security_group_id
  description                  = "SASL/SCRAM over TLS"
  ip_protocol                  = "tcp"
  from_port                    = 9096
  to_port                      = 9096
}

resource "aws_msk_configuration" "this" {
  name           = "${local.name}-kafka"
  kafka_versions = [var.kafka_version]

  # The services create their topics (KAFKA_TOPIC_* in the chart); producers are idempotent with
  # acks=all, so two in-sync replicas out of three are required for a write.
  server_properties = <<-EOT
    auto.create.topics.enable = false
    default.replication.factor = 3
    min.insync.replicas = 2
    unclean.leader.election.enable = false
    num.partitions = 12
    log.retention.hours = 168
  EOT
}

resource "aws_cloudwatch_log_group" "kafka" {
  name              = "/aws/msk/${local.name}"
  retention_in_days = 30
}

resource "aws_msk_cluster" "this" {
  cluster_name           = local.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.kafka_broker_count

  broker_node_group_info {
    instance_type   = var.kafka_instance_type
    client_subnets  = module.vpc.private_subnets
    security_groups = [aws_security_group.kafka.id]

    storage_info {
      ebs_storage_info {
        volume_size = var.kafka_volume_size_gb
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this.arn
    revision = aws_msk_configuration.this.latest_revision
  }

  client_authentication {
    sasl {
      scram = true
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.data.arn

    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  open_monitoring {
    prometheus {
      jmx_exporter {
        enabled_in_broker = true
      }
      node_exporter {
        enabled_in_broker = true
      }
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.kafka.name
      }
    }
  }
}

resource "random_password" "kafka" {
  length  = 32
  special = false
}

# MSK reads SCRAM users from Secrets Manager secrets named AmazonMSK_* under a customer key.
resource "aws_secretsmanager_secret" "kafka" {
  name                    = "AmazonMSK_${local.name}_${local.kafka_username}"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "kafka" {
  secret_id = aws_secretsmanager_secret.kafka.id
  secret_string = jsonencode({
    username = local.kafka_username
    password = random_password.kafka.result
  })
}

resource "aws_msk_scram_secret_association" "this" {
  cluster_arn     = aws_msk_cluster.this.arn
  secret_arn_list = [aws_secretsmanager_secret.kafka.arn]

  depends_on = [aws_secretsmanager_secret_version.kafka]
}

# --- Redis: ElastiCache ---------------------------------------------------------------------

resource "aws_security_group" "redis" {
  name_prefix = "${local.name}-redis-"
  description = "ElastiCache Redis: TLS from the EKS nodes"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_nodes" {
  security_group_id            = aws_security_group.redis.id
  referenced_security_group_id = module.eks.node_security_group_id
  description                  = "Redis over TLS"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${local.name}-redis"
  subnet_ids = module.vpc.private_subnets
}

# AUTH tokens: 16-128 printable characters without @, " or /; alphanumeric keeps the URL simple.
resource "random_password" "redis" {
  length  = 64
  special = false
}

# Cluster mode disabled (one shard, primary + replicas): the gateway's pub/sub fan-out and the
# services' ioredis client use a single endpoint; failover moves the primary endpoint.
resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "${local.name}-redis"
  description          = "Tapeline latest state, rate limits, token revocation, subscription fan-out"

  engine               = "redis"
  engine_version       = "7.1"
  parameter_group_name = "default.redis7"
  node_type            = var.redis_node_type
  port                 = 6379
  num_cache_clusters   = 1 + var.redis_replicas

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.redis.id]

  automatic_failover_enabled = var.redis_replicas > 0
  multi_az_enabled           = var.redis_replicas > 0

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit = 7
  snapshot_window          = "02:00-03:00"
  maintenance_window       = "sun:03:30-sun:04:30"
  apply_immediately        = false
}

# --- ClickHouse Cloud over PrivateLink (see the header) -------------------------------------

resource "aws_security_group" "clickhouse_endpoint" {
  count = var.clickhouse_privatelink_service_name == "" ? 0 : 1

  name_prefix = "${local.name}-clickhouse-"
  description = "PrivateLink endpoint of ClickHouse Cloud: HTTPS from the EKS nodes"
  vpc_id      = module.vpc.vpc_id

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "clickhouse_from_nodes" {
  count = var.clickhouse_privatelink_service_name == "" ? 0 : 1

  security_group_id            = aws_security_group.clickhouse_endpoint[0].id
  referenced_security_group_id = module.eks.node_security_group_id
  description                  = "ClickHouse HTTPS interface"
  ip_protocol                  = "tcp"
  from_port                    = 8443
  to_port                      = 8443
}

resource "aws_vpc_endpoint" "clickhouse" {
  count = var.clickhouse_privatelink_service_name == "" ? 0 : 1

  vpc_id              = module.vpc.vpc_id
  service_name        = var.clickhouse_privatelink_service_name
  vpc_endpoint_type   = "Interface"
  subnet_ids          = module.vpc.private_subnets
  security_group_ids  = [aws_security_group.clickhouse_endpoint[0].id]
  private_dns_enabled = true
}

# --- images ---------------------------------------------------------------------------------

resource "aws_ecr_repository" "service" {
  for_each = toset(local.services)

  name                 = "tapeline/${each.key}"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.data.arn
  }
}

resource "aws_ecr_lifecycle_policy" "service" {
  for_each = aws_ecr_repository.service

  repository = each.value.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 100 images"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 100
      }
      action = { type = "expire" }
    }]
  })
}

# --- cluster add-ons the chart relies on ----------------------------------------------------

# The Ingress of the gateway (className nginx, WebSocket timeouts), behind an NLB.
resource "helm_release" "ingress_nginx" {
  name             = "ingress-nginx"
  repository       = "https://kubernetes.github.io/ingress-nginx"
  chart            = "ingress-nginx"
  version          = var.ingress_nginx_chart_version
  namespace        = "ingress-nginx"
  create_namespace = true

  values = [yamlencode({
    controller = {
      replicaCount = 3
      service = {
        annotations = {
          "service.beta.kubernetes.io/aws-load-balancer-type"                              = "nlb"
          "service.beta.kubernetes.io/aws-load-balancer-cross-zone-load-balancing-enabled" = "true"
        }
        externalTrafficPolicy = "Local"
      }
      metrics = { enabled = true }
    }
  })]
}

# Resource metrics for the HorizontalPodAutoscalers (EKS does not ship metrics-server).
resource "helm_release" "metrics_server" {
  name       = "metrics-server"
  repository = "https://kubernetes-sigs.github.io/metrics-server/"
  chart      = "metrics-server"
  version    = "3.12.2"
  namespace  = "kube-system"
}

# Prometheus Operator (ServiceMonitor / PrometheusRule CRDs), Prometheus, Alertmanager, Grafana,
# kube-state-metrics (the restart alert). The chart's ServiceMonitors carry the label
# release=kube-prometheus-stack that this release selects by default.
resource "helm_release" "kube_prometheus_stack" {
  name             = "kube-prometheus-stack"
  repository       = "https://prometheus-community.github.io/helm-charts"
  chart            = "kube-prometheus-stack"
  version          = var.kube_prometheus_stack_chart_version
  namespace        = "monitoring"
  create_namespace = true

  values = [yamlencode({
    prometheus = {
      prometheusSpec = {
        retention = "15d"
        storageSpec = {
          volumeClaimTemplate = {
            spec = {
              accessModes = ["ReadWriteOnce"]
              resources   = { requests = { storage = "100Gi" } }
            }
          }
        }
      }
    }
  })]

  depends_on = [module.eks]
}

# --- Tapeline -------------------------------------------------------------------------------

resource "kubernetes_namespace_v1" "tapeline" {
  metadata {
    name = var.namespace
    labels = {
      "app.kubernetes.io/part-of"          = "tapeline"
      "pod-security.kubernetes.io/enforce" = "restricted"
    }
  }
}

# The chart's existingSecret. Values pass through Terraform state (encrypted S3 backend); with
# External Secrets Operator the same keys can be synced from Secrets Manager instead.
resource "kubernetes_secret_v1" "credentials" {
  metadata {
    name      = local.credentials_secret
    namespace = kubernetes_namespace_v1.tapeline.metadata[0].name
  }

  data = {
    "kafka-sasl-password" = random_password.kafka.result
    "clickhouse-password" = var.clickhouse_password
    "redis-url"           = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379"
  }
}

resource "helm_release" "tapeline" {
  name      = "tapeline"
  chart     = "${path.module}/../charts/tapeline"
  namespace = kubernetes_namespace_v1.tapeline.metadata[0].name

  atomic          = true
  cleanup_on_fail = true
  wait            = true
  timeout         = 900
  max_history     = 10

  # values-prod.yaml, then what this footprint created (lists replace, maps merge).
  values = [
    file("${path.module}/../charts/tapeline/values-prod.yaml"),
    yamlencode({
      image = {
        registry   = local.ecr_registry
        repository = "tapeline"
        tag        = var.image_tag
      }
      kafka = {
        brokers     = split(",", aws_msk_cluster.this.bootstrap_brokers_sasl_scram)
        topicPrefix = "${var.environment}."
        ssl         = true
        sasl = {
          mechanism      = "scram-sha-512"
          username       = local.kafka_username
          existingSecret = local.credentials_secret
          passwordKey    = "kafka-sasl-password"
        }
      }
      clickhouse = {
        url            = var.clickhouse_url
        user           = var.clickhouse_user
        existingSecret = local.credentials_secret
        passwordKey    = "clickhouse-password"
      }
      redis = {
        url            = ""
        existingSecret = local.credentials_secret
        urlKey         = "redis-url"
      }
      gateway = {
        jwtKeys = { existingSecret = var.gateway_jwt_secret_name }
      }
      ingress = {
        host = var.gateway_host
      }
    }),
  ]

  depends_on = [
    helm_release.ingress_nginx,
    helm_release.metrics_server,
    helm_release.kube_prometheus_stack,
    kubernetes_secret_v1.credentials,
    aws_msk_scram_secret_association.this,
  ]
}
