terraform {
  # modules/properties validates variables against each other (1.9).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # FLINK-2_2, the default runtime_environment, is accepted from 6.40 on.
      version = ">= 6.40"
    }
  }
}
