# Mock-provider test of modules/msk_topics: one aws_msk_topic per topic of fraud's manifest, with the
# manifest's partitions, compaction and retention. aws_msk_topic exists from hashicorp/aws 6.38 on;
# with an older provider binary tests/terraform runs this file on a copy of the module in which the
# resource is a terraform_data holding the same arguments (and aws_msk_topic.this[k].arg reads
# terraform_data.this[k].input.arg), so the rendered arguments are checked either way.

mock_provider "aws" {}

variables {
  cluster_arn        = "arn:aws:kafka:us-east-1:123456789012:cluster/features/0a1b2c3d-1111-2222-3333-444455556666-3"
  kafka_version      = "3.9.x"
  replication_factor = 3
  # fraud.manifest.json's topics (the provisioned example passes module.flink_app.topics, which
  # carries role and owner too).
  topics = [for t in jsondecode(file("../../examples/provisioned/fraud.manifest.json")).topics : {
    name = t.name, partitions = t.partitions, compacted = t.compacted, retention_ms = t.retention_ms
  }]
}

run "one_topic_per_manifest_topic" {
  command = apply

  assert {
    condition     = toset(keys(aws_msk_topic.this)) == toset([for t in jsondecode(file("../../examples/provisioned/fraud.manifest.json")).topics : t.name])
    error_message = "One aws_msk_topic per topic of the manifest."
  }
  assert {
    condition     = alltrue([for t in jsondecode(file("../../examples/provisioned/fraud.manifest.json")).topics : aws_msk_topic.this[t.name].partition_count == t.partitions && aws_msk_topic.this[t.name].replication_factor == 3 && aws_msk_topic.this[t.name].cluster_arn == var.cluster_arn])
    error_message = "Every topic has the manifest's partitions, the cluster's replication factor and the cluster's ARN."
  }
  assert {
    condition     = jsondecode(aws_msk_topic.this["profiles"].configs) == { "cleanup.policy" = "compact" }
    error_message = "profiles (a versioned source) is compacted and has no retention.ms."
  }
  assert {
    condition     = jsondecode(aws_msk_topic.this["transactions"].configs) == { "cleanup.policy" = "delete", "retention.ms" = "604800000" }
    error_message = "transactions is a delete topic with the manifest's 7-day retention."
  }
  assert {
    condition     = jsondecode(aws_msk_topic.this["features-txn-features"].configs)["retention.ms"] == "604800000" && jsondecode(aws_msk_topic.this["dead-letter"].configs)["cleanup.policy"] == "delete"
    error_message = "Output topics are delete topics with the manifest's retention."
  }
  assert {
    condition     = output.topic_arns["transactions"] == "arn:aws:kafka:us-east-1:123456789012:topic/features/0a1b2c3d-1111-2222-3333-444455556666-3/transactions"
    error_message = "Topic ARNs are arn:aws:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>."
  }
}

run "min_insync_replicas" {
  command = plan

  variables {
    min_insync_replicas = 2
  }

  assert {
    condition     = jsondecode(aws_msk_topic.this["clicks"].configs)["min.insync.replicas"] == "2"
    error_message = "min_insync_replicas is written to every topic's configs."
  }
}

run "switched_off" {
  command = plan

  variables {
    create        = false
    kafka_version = "2.8.1"
  }

  assert {
    condition     = length(aws_msk_topic.this) == 0 && length(output.topics) == 0
    error_message = "create = false creates no topic (and accepts any Kafka version)."
  }
}

run "kafka_older_than_3_6_refused" {
  command = plan

  variables {
    kafka_version = "3.5.1"
  }

  expect_failures = [var.kafka_version]
}

run "kraft_versions_accepted" {
  command = plan

  variables {
    kafka_version = "4.0.x.kraft"
  }

  assert {
    condition     = length(aws_msk_topic.this) == length(jsondecode(file("../../examples/provisioned/fraud.manifest.json")).topics)
    error_message = "Kafka 4.0 (KRaft) clusters get the topics too (all of the manifest's)."
  }
}
