output "endpoint_name" {
  description = "Name of the SageMaker endpoint (what the job's scoring group names, and the 'EndpointName' dimension of its metrics)."
  value       = try(aws_sagemaker_endpoint.this.name, null)
}

output "endpoint_arn" {
  description = "ARN of the endpoint (arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>): the resource of sagemaker:InvokeEndpoint."
  value       = try(aws_sagemaker_endpoint.this.arn, null)
}

output "variant_name" {
  description = "Name of the endpoint's production variant (the 'VariantName' dimension of its metrics)."
  value       = var.variant_name
}

output "endpoint_type" {
  description = "serverless or instance."
  value       = var.endpoint_type
}

output "endpoint_config_name" {
  description = "Name of the endpoint configuration (<name>-<content hash>)."
  value       = try(aws_sagemaker_endpoint_configuration.this.name, null)
}

output "model_name" {
  description = "Name of the SageMaker model (<name>-<content hash>)."
  value       = try(aws_sagemaker_model.this.name, null)
}

output "image_uri" {
  description = "The inference image the model runs (SageMaker's XGBoost image for the region unless image_uri was given)."
  value       = local.image_uri
}

output "role_arn" {
  description = "ARN of the execution role SageMaker assumes for the model."
  value       = try(aws_iam_role.this.arn, null)
}

output "role_policy_statements" {
  description = "The statements of the execution role's inline policy (sid, actions, resources), as written to its policy document."
  value = [
    for s in data.aws_iam_policy_document.this.statement : {
      sid       = s.sid
      actions   = s.actions
      resources = s.resources
    }
  ]
}

output "log_group_name" {
  description = "CloudWatch log group SageMaker writes the endpoint's container logs to."
  value       = "/aws/sagemaker/Endpoints/${var.name}"
}
