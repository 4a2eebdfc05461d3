terraform {
  # Validations that refer to other variables (kafka_version <-> create) need 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_msk_topic (MSK topic API, provisioned clusters on Kafka >= 3.6) arrived in 6.38:
      # hashicorp/terraform-provider-aws#46490 (merged 2026-03-19) added it, and
      # terraform-aws-modules/terraform-aws-msk-kafka-cluster#64 raised its floor to 6.38 for it.
      version = ">= 6.38"
    }
  }
}
