# Mock-provider test of modules/msk as a root module.

mock_provider "aws" {
  mock_resource "aws_msk_cluster" {
    defaults = {
      arn          = "arn:aws:kafka:us-east-1:123456789012:cluster/features/uuid-3"
      cluster_uuid = "uuid-3"
    }
  }
  mock_resource "aws_msk_configuration" {
    defaults = {
      arn             = "arn:aws:kafka:us-east-1:123456789012:configuration/features/uuid-c"
      latest_revision = 1
    }
  }
  mock_resource "aws_msk_serverless_cluster" {
    defaults = { arn = "arn:aws:kafka:us-east-1:123456789012:cluster/features/uuid-s" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf" }
  }
}

variables {
  name                      = "features"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_ids                = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"]
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
  client_security_group_ids = { flink = "sg-0aaaaaaaaaaaaaaaa" }
}

run "serverless_iam" {
  command = plan

  assert {
    condition     = length(aws_msk_serverless_cluster.this) == 1 && length(aws_msk_cluster.this) == 0
    error_message = "cluster_type = serverless creates exactly one aws_msk_serverless_cluster."
  }
  assert {
    condition     = aws_msk_serverless_cluster.this[0].client_authentication[0].sasl[0].iam[0].enabled == true
    error_message = "Serverless uses SASL/IAM."
  }
  assert {
    condition     = [for rule in aws_vpc_security_group_ingress_rule.clients : rule.from_port] == [9098]
    error_message = "Clients may reach a serverless cluster on 9098 only."
  }
}

run "serverless_rejects_scram" {
  command = plan

  variables {
    auth = { scram = true }
  }

  expect_failures = [aws_msk_serverless_cluster.this]
}

run "provisioned_secure_defaults" {
  command = plan

  variables {
    cluster_type = "provisioned"
  }

  assert {
    condition     = aws_msk_cluster.this[0].number_of_broker_nodes == 3 && aws_msk_cluster.this[0].broker_node_group_info[0].instance_type == "kafka.m7g.large"
    error_message = "3 kafka.m7g.large brokers by default."
  }
  assert {
    condition     = aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].client_broker == "TLS" && aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].in_cluster == true
    error_message = "TLS between clients and brokers and inside the cluster."
  }
  assert {
    condition     = aws_msk_cluster.this[0].encryption_info[0].encryption_at_rest_kms_key_arn == var.kms_key_arn
    error_message = "Encryption at rest with the customer-managed key."
  }
  assert {
    condition     = aws_msk_cluster.this[0].client_authentication[0].unauthenticated == false && aws_msk_cluster.this[0].client_authentication[0].sasl[0].iam == true && aws_msk_cluster.this[0].client_authentication[0].sasl[0].scram == false
    error_message = "IAM auth only by default; never unauthenticated."
  }
  assert {
    condition     = strcontains(aws_msk_configuration.this[0].server_properties, "auto.create.topics.enable=false") && strcontains(aws_msk_configuration.this[0].server_properties, "transaction.max.timeout.ms=900000")
    error_message = "The configuration disables topic auto-creation and keeps MSK's transaction limit."
  }
  assert {
    condition     = aws_msk_cluster.this[0].logging_info[0].broker_logs[0].cloudwatch_logs[0].enabled == true && aws_cloudwatch_log_group.broker[0].kms_key_id == var.kms_key_arn
    error_message = "Broker logs go to a KMS-encrypted log group."
  }
  assert {
    condition     = aws_msk_cluster.this[0].enhanced_monitoring == "DEFAULT"
    error_message = "DEFAULT monitoring (free, includes consumer lag) by default."
  }
}

run "provisioned_scram_and_mtls" {
  command = plan

  variables {
    cluster_type = "provisioned"
    auth = {
      scram                          = true
      tls_certificate_authority_arns = ["arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/0a1b2c3d-1111-2222-3333-444455556666"]
    }
  }

  assert {
    condition     = aws_secretsmanager_secret.scram[0].name == "AmazonMSK_features_flink" && aws_secretsmanager_secret.scram[0].kms_key_id == var.kms_key_arn
    error_message = "MSK needs the SCRAM secret named AmazonMSK_* and encrypted with a customer-managed key."
  }
  assert {
    condition     = length(aws_msk_scram_secret_association.this) == 1
    error_message = "The SCRAM secret must be associated with the cluster."
  }
  assert {
    condition     = toset([for rule in aws_vpc_security_group_ingress_rule.clients : rule.from_port]) == toset([9094, 9096, 9098])
    error_message = "Clients may reach IAM (9098), SCRAM (9096) and TLS (9094) ports."
  }
  assert {
    condition     = length(aws_msk_cluster.this[0].client_authentication[0].tls) == 1
    error_message = "mTLS with the given certificate authorities."
  }
}
