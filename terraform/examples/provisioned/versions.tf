terraform {
  # mock_provider in tests/*.tftest.hcl needs 1.7; flink_app's cross-variable validations need 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # FLINK-2_2 (the application's runtime) is accepted from 6.40 on; aws_msk_topic (modules/msk_topics)
      # exists from 6.38 on.
      version = ">= 6.40"
    }
  }
}
