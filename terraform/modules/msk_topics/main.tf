# The pipeline's topics through the MSK topic API (no network path to the brokers needed), with the
# same settings `msk-features topics apply` uses (msk_features/kafka/topic_setup.py): cleanup.policy=compact
# for compacted topics, retention.ms for the others that have one. Existing topics of the same name
# must be imported first (terraform import / an import block with "<cluster arn>,<topic>").

locals {
  topics = {
    for t in var.topics : t.name => {
      partition_count = t.partitions
      configs = jsonencode(merge(
        { "cleanup.policy" = t.compacted ? "compact" : "delete" },
        !t.compacted && t.retention_ms != null ? { "retention.ms" = tostring(t.retention_ms) } : {},
        var.min_insync_replicas != null ? { "min.insync.replicas" = tostring(var.min_insync_replicas) } : {},
      ))
    }
  }
  # arn:<p>:kafka:<r>:<a>:topic/<cluster name>/<cluster uuid>/<topic>
  topic_arn_prefix = replace(var.cluster_arn, ":cluster/", ":topic/")
}

resource "aws_msk_topic" "this" {
  for_each = var.create ? local.topics : {}

  cluster_arn        = var.cluster_arn
  name               = each.key
  partition_count    = each.value.partition_count
  replication_factor = var.replication_factor
  configs            = each.value.configs
}
