terraform {
  # Validations that refer to other variables (endpoint_type with the instance settings): 1.9.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # aws_sagemaker_model, _endpoint_configuration (serverless_config, kms_key_arn), _endpoint and
      # the aws_sagemaker_prebuilt_ecr_image data source all exist in 5.100, the provider installed here.
      version = ">= 5.100"
    }
  }
}
