output "key_arn" {
  description = "ARN of the customer-managed key."
  value       = try(aws_kms_key.this.arn, null)
}

output "key_id" {
  description = "Id of the customer-managed key."
  value       = try(aws_kms_key.this.key_id, null)
}

output "alias_name" {
  description = "The key's alias (alias/<name>)."
  value       = try(aws_kms_alias.this.name, null)
}
