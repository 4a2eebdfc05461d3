output "created" {
  description = "Whether Terraform creates the topics (aws_msk_topic)."
  value       = var.create
}

output "topics" {
  description = "Topic name -> the arguments of its aws_msk_topic (partition_count, replication_factor, configs as JSON); empty unless create."
  value = var.create ? {
    for name, t in local.topics : name => merge(t, { replication_factor = var.replication_factor })
  } : {}
}

output "topic_arns" {
  description = "Topic name -> topic ARN (arn:<partition>:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>); empty unless create."
  # Iterates over the resources (not over local.topics), so that whatever reads this output waits for
  # the topics to exist: flink_app's topics_ready starts the application only afterwards.
  value = { for name, topic in aws_msk_topic.this : name => "${local.topic_arn_prefix}/${name}" }
}
