output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "configure_kubectl" {
  description = "Command that writes a kubeconfig entry for the cluster."
  value       = "aws eks update-kubeconfig --region ${var.region} --name ${module.eks.cluster_name}"
}

output "kafka_bootstrap_brokers" {
  description = "MSK bootstrap brokers (SASL/SCRAM over TLS, port 9096)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "kafka_scram_secret_arn" {
  description = "Secrets Manager secret holding the services' SCRAM user."
  value       = aws_secretsmanager_secret.kafka.arn
}

output "redis_primary_endpoint" {
  description = "ElastiCache primary endpoint (TLS, AUTH token in the tapeline-credentials Secret)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "ecr_repositories" {
  description = "ECR repository URL of each service image."
  value       = { for name, repo in aws_ecr_repository.service : name => repo.repository_url }
}

output "gateway_url" {
  description = "Public GraphQL endpoint (point the host's DNS at the ingress-nginx load balancer)."
  value       = "https://${var.gateway_host}/graphql"
}

output "tapeline_namespace" {
  description = "Namespace of the Tapeline release."
  value       = helm_release.tapeline.namespace
}
