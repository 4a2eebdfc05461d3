locals {
  actions = concat(var.create_sns_topic ? [aws_sns_topic.this[0].arn] : [], var.alarm_actions)

  lag_alarms = merge(
    {
      for topic in var.input_topics : "time-lag-${topic}" => {
        metric      = "EstimatedMaxTimeLag"
        topic       = topic
        threshold   = var.thresholds.max_time_lag_seconds
        description = "Consumer group ${var.consumer_group} is more than ${var.thresholds.max_time_lag_seconds} s behind on ${topic}: features are stale."
      }
    },
    {
      for topic in var.input_topics : "offset-lag-${topic}" => {
        metric      = "MaxOffsetLag"
        topic       = topic
        threshold   = var.thresholds.max_offset_lag
        description = "Consumer group ${var.consumer_group} is more than ${var.thresholds.max_offset_lag} records behind on a partition of ${topic}."
      }
    },
  )

  flink_alarms = {
    records-lag-max = {
      metric              = "records_lag_max"
      statistic           = "Maximum"
      threshold           = var.thresholds.records_lag_max
      evaluation_periods  = var.evaluation_periods
      description         = "The Flink Kafka source of ${var.application_name} is more than ${var.thresholds.records_lag_max} records behind."
      treat_missing_data  = "notBreaching"
      increase_expression = false
    }
    restarts = {
      metric              = "numRestarts"
      statistic           = "Maximum"
      threshold           = var.thresholds.restarts
      evaluation_periods  = 1
      description         = "${var.application_name} restarted (numRestarts rose): see its log group."
      treat_missing_data  = "notBreaching"
      increase_expression = true
    }
    checkpoint-duration = {
      metric              = "lastCheckpointDuration"
      statistic           = "Maximum"
      threshold           = var.thresholds.checkpoint_duration_ms
      evaluation_periods  = var.evaluation_periods
      description         = "Checkpoints of ${var.application_name} take more than ${var.thresholds.checkpoint_duration_ms} ms: exactly-once output and Parquet files lag behind."
      treat_missing_data  = "notBreaching"
      increase_expression = false
    }
    failed-checkpoints = {
      metric              = "numberOfFailedCheckpoints"
      statistic           = "Maximum"
      threshold           = var.thresholds.failed_checkpoints
      evaluation_periods  = 1
      description         = "A checkpoint of ${var.application_name} failed (numberOfFailedCheckpoints rose)."
      treat_missing_data  = "notBreaching"
      increase_expression = true
    }
    # Rows a window or OVER operator dropped as late: behind its watermark although their source
    # routed them on time (the late-events topic only holds what the sources' own watermarks caught).
    # Flink drops these without a trace but counts them; a source marked idle is the usual cause
    # (docs/RELIABILITY.md, "Known limits"). numLateRecordsDropped: Count, levels Application,
    # Operator, Task, Parallelism (metrics-dimensions.html, read 2026-12-03); a counter, hence DIFF.
    late-records-dropped = {
      metric              = "numLateRecordsDropped"
      statistic           = "Maximum"
      threshold           = var.thresholds.late_records_dropped
      evaluation_periods  = 1
      description         = "${var.application_name} dropped records as late inside the job (numLateRecordsDropped rose): rows are missing from its features. Raise pipeline idle.timeout.seconds above the longest stall of a source, and replay the missing range with a backfill."
      treat_missing_data  = "notBreaching"
      increase_expression = true
    }
    # Managed Flink's recommended alarms (https://docs.aws.amazon.com/managed-flink/latest/java/monitoring-metrics-alarms.html,
    # read 2026-12-02): cpuUtilization > 80 and heapMemoryUtilization > 90, statistic Maximum; both
    # Percentage, dimension Application (metrics-dimensions.html, same date).
    cpu = {
      metric              = "cpuUtilization"
      statistic           = "Maximum"
      threshold           = var.thresholds.flink_cpu_percent
      evaluation_periods  = var.evaluation_periods
      description         = "A task manager of ${var.application_name} uses more than ${var.thresholds.flink_cpu_percent}% CPU (cpuUtilization, Maximum): add KPUs or parallelism before it falls behind."
      treat_missing_data  = "notBreaching"
      increase_expression = false
    }
    heap = {
      metric              = "heapMemoryUtilization"
      statistic           = "Maximum"
      threshold           = var.thresholds.flink_heap_percent
      evaluation_periods  = var.evaluation_periods
      description         = "A task manager of ${var.application_name} uses more than ${var.thresholds.flink_heap_percent}% of its heap (heapMemoryUtilization, Maximum): out-of-memory restarts are near."
      treat_missing_data  = "notBreaching"
      increase_expression = false
    }
  }
}

resource "aws_sns_topic" "this" {
  count = var.create_sns_topic ? 1 : 0

  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

# MSK consumer lag of the job's group, per input topic (free at the DEFAULT monitoring level; only
# exists for a group that commits offsets, which Flink does on checkpoints).
resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  for_each = local.lag_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Kafka"
  metric_name         = each.value.metric
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  dimensions = {
    "Cluster Name"   = var.msk_cluster_name
    "Consumer Group" = var.consumer_group
    "Topic"          = each.value.topic
  }
}

# The Flink application: plain thresholds, and "rose within a period" for the counters.
resource "aws_cloudwatch_metric_alarm" "flink" {
  for_each = { for key, alarm in local.flink_alarms : key => alarm if !alarm.increase_expression }

  alarm_name          = "${var.name}-flink-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/KinesisAnalytics"
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  dimensions = {
    Application = var.application_name
  }
}

resource "aws_cloudwatch_metric_alarm" "flink_increase" {
  for_each = { for key, alarm in local.flink_alarms : key => alarm if alarm.increase_expression }

  alarm_name          = "${var.name}-flink-${each.key}"
  alarm_description   = each.value.description
  evaluation_periods  = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "increase"
    expression  = "DIFF(counter)"
    label       = "${each.value.metric} increase"
    return_data = true
  }

  metric_query {
    id = "counter"

    metric {
      namespace   = "AWS/KinesisAnalytics"
      metric_name = each.value.metric
      stat        = each.value.statistic
      period      = var.period_seconds
      dimensions = {
        Application = var.application_name
      }
    }
  }
}

# The job is down. FLINK-2_2 deprecates `downtime` and documents restartingTime, cancellingTime and
# failingTime (Milliseconds, dimension Application, "Available from Flink 2.2. Replaces part of the
# deprecated downtime metric") as its replacements: "Metrics and dimensions in Managed Service for
# Apache Flink", https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html
# ("Flink 2.2 metric migration guidance", read 2026-12-02). The alarm fires when the largest of
# var.job_down_metrics exceeds thresholds.job_down_ms (default 0, as AWS's recommended
# "downtime > 0" alarm, monitoring-metrics-alarms.html).
resource "aws_cloudwatch_metric_alarm" "job_down" {
  alarm_name          = "${var.name}-flink-job-down"
  alarm_description   = "${var.application_name} is not running (${join(" or ", var.job_down_metrics)} > ${var.thresholds.job_down_ms} ms)."
  evaluation_periods  = 1
  threshold           = var.thresholds.job_down_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "down"
    expression  = "MAX([${join(", ", [for i, m in var.job_down_metrics : "m${i}"])}])"
    label       = "largest of ${join(", ", var.job_down_metrics)} (ms)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = var.job_down_metrics
    content {
      id = "m${metric_query.key}"

      metric {
        namespace   = "AWS/KinesisAnalytics"
        metric_name = metric_query.value
        stat        = "Maximum"
        period      = var.period_seconds
        unit        = "Milliseconds"
        dimensions = {
          Application = var.application_name
        }
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------------
# Provisioned brokers. Metrics, units and dimensions: "Amazon MSK metrics for monitoring Standard
# brokers with CloudWatch", https://docs.aws.amazon.com/msk/latest/developerguide/metrics-details.html
# (DEFAULT level, free): KafkaDataLogsDiskUsed, CpuUser, CpuSystem (Percent) and
# UnderReplicatedPartitions (Count) per Cluster Name + Broker ID; ActiveControllerCount (Count) per
# Cluster Name. ActiveControllerCount is the ZooKeeper-mode controller gauge: in KRaft mode (a
# .kraft Kafka version) the controllers are MSK-managed nodes that are not brokers, Apache Kafka
# exposes the kafka.controller metrics only on nodes with the controller role (a KIP of the KRaft work),
# and AWS's page does not say MSK publishes it for KRaft clusters, so that alarm is off there.
# ---------------------------------------------------------------------------------------------------

locals {
  broker_ids = var.broker_alarms == null ? [] : var.broker_alarms.broker_ids

  broker_alarms = var.broker_alarms == null ? {} : merge(
    {
      # 85%: AWS's "Monitor disk space" best practice (alarm when KafkaDataLogsDiskUsed reaches 85%),
      # https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html#bestpractices-monitor-disk-space
      for id in local.broker_ids : "broker-${id}-disk" => {
        metric      = "KafkaDataLogsDiskUsed"
        broker_id   = id
        statistic   = "Maximum"
        threshold   = var.broker_alarms.disk_used_percent
        description = "Broker ${id} of ${var.msk_cluster_name}: data-log disk more than ${var.broker_alarms.disk_used_percent}% full (KafkaDataLogsDiskUsed); storage autoscaling should have grown it: check its limit and the retention."
      }
    },
    {
      # 0: every partition should be fully replicated; a broker restart makes a few briefly
      # under-replicated, hence evaluation_periods consecutive periods.
      for id in local.broker_ids : "broker-${id}-under-replicated" => {
        metric      = "UnderReplicatedPartitions"
        broker_id   = id
        statistic   = "Maximum"
        threshold   = var.broker_alarms.under_replicated_partitions
        description = "Broker ${id} of ${var.msk_cluster_name} has under-replicated partitions (UnderReplicatedPartitions > ${var.broker_alarms.under_replicated_partitions})."
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "broker" {
  for_each = local.broker_alarms

  alarm_name          = "${var.name}-msk-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Kafka"
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  dimensions = {
    "Cluster Name" = var.msk_cluster_name
    "Broker ID"    = each.value.broker_id
  }
}

# CpuUser + CpuSystem per broker. 60%: AWS's "Monitor CPU usage" best practice (keep CPU User + CPU
# System under 60%), https://docs.aws.amazon.com/msk/latest/developerguide/bestpractices.html#bestpractices-monitor-cpu
resource "aws_cloudwatch_metric_alarm" "broker_cpu" {
  for_each = toset(local.broker_ids)

  alarm_name          = "${var.name}-msk-broker-${each.key}-cpu"
  alarm_description   = "Broker ${each.key} of ${var.msk_cluster_name} uses more than ${var.broker_alarms.cpu_percent}% CPU (CpuUser + CpuSystem): the cluster lacks headroom for a broker failure or an update."
  evaluation_periods  = var.evaluation_periods
  threshold           = var.broker_alarms.cpu_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  metric_query {
    id          = "cpu"
    expression  = "user + system"
    label       = "CpuUser + CpuSystem (%)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { user = "CpuUser", system = "CpuSystem" }
    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/Kafka"
        metric_name = metric_query.value
        stat        = "Average"
        period      = var.period_seconds
        unit        = "Percent"
        dimensions = {
          "Cluster Name" = var.msk_cluster_name
          "Broker ID"    = each.key
        }
      }
    }
  }
}

# Exactly one active controller per cluster ("Only one controller per cluster should be active at any
# given time", metrics-details.html): alarm when none is (Maximum < 1). ZooKeeper mode only.
resource "aws_cloudwatch_metric_alarm" "active_controller" {
  count = var.broker_alarms != null && !try(var.broker_alarms.kraft, false) ? 1 : 0

  alarm_name          = "${var.name}-msk-active-controller"
  alarm_description   = "${var.msk_cluster_name} has no active controller (ActiveControllerCount < 1): no partition leadership changes or topic operations are possible."
  namespace           = "AWS/Kafka"
  metric_name         = "ActiveControllerCount"
  statistic           = "Maximum"
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  dimensions = {
    "Cluster Name" = var.msk_cluster_name
  }
}

# ---------------------------------------------------------------------------------------------------
# A SageMaker endpoint the job calls (optional, var.model_endpoint_alarms). Metrics, units and
# dimensions: "Amazon SageMaker AI metrics in Amazon CloudWatch", endpoint invocation metrics,
# https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html: namespace AWS/SageMaker,
# dimensions EndpointName + VariantName; Invocation4XXErrors and Invocation5XXErrors (Units: None,
# "For each 4xx response, 1 is sent", statistic Sum: the failed requests of the period) and
# ModelLatency (Units: Microseconds). Serverless endpoints publish the same three
# (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-monitoring.html).
# ---------------------------------------------------------------------------------------------------

locals {
  model_endpoint_alarms = var.model_endpoint_alarms == null ? {} : {
    model-4xx-errors = {
      metric             = "Invocation4XXErrors"
      statistic          = "Sum"
      threshold          = var.model_endpoint_alarms.invocation_4xx_errors
      evaluation_periods = 1
      description        = "SageMaker endpoint ${var.model_endpoint_alarms.endpoint_name} refused more than ${var.model_endpoint_alarms.invocation_4xx_errors} requests with a 4xx within ${var.period_seconds} s (Invocation4XXErrors): the job sends input the model does not accept; those rows go to the dead-letter topic."
    }
    model-5xx-errors = {
      metric             = "Invocation5XXErrors"
      statistic          = "Sum"
      threshold          = var.model_endpoint_alarms.invocation_5xx_errors
      evaluation_periods = 1
      description        = "SageMaker endpoint ${var.model_endpoint_alarms.endpoint_name} failed more than ${var.model_endpoint_alarms.invocation_5xx_errors} requests with a 5xx within ${var.period_seconds} s (Invocation5XXErrors): see its log group /aws/sagemaker/Endpoints/${var.model_endpoint_alarms.endpoint_name}."
    }
    model-latency = {
      metric             = "ModelLatency"
      statistic          = "Average"
      threshold          = var.model_endpoint_alarms.model_latency_microseconds
      evaluation_periods = var.evaluation_periods
      description        = "SageMaker endpoint ${var.model_endpoint_alarms.endpoint_name} takes more than ${var.model_endpoint_alarms.model_latency_microseconds} microseconds on average to score (ModelLatency): scoring holds the job back."
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "model_endpoint" {
  for_each = local.model_endpoint_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/SageMaker"
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = each.value.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
  tags                = var.tags

  dimensions = {
    EndpointName = var.model_endpoint_alarms.endpoint_name
    VariantName  = var.model_endpoint_alarms.variant_name
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat([
      {
        type = "metric", x = 0, y = 0, width = 12, height = 6
        properties = {
          title   = "MSK consumer time lag (s), group ${var.consumer_group}"
          region  = var.region
          stat    = "Maximum"
          period  = var.period_seconds
          view    = "timeSeries"
          metrics = [for topic in var.input_topics : ["AWS/Kafka", "EstimatedMaxTimeLag", "Cluster Name", var.msk_cluster_name, "Consumer Group", var.consumer_group, "Topic", topic]]
        }
      },
      {
        type = "metric", x = 12, y = 0, width = 12, height = 6
        properties = {
          title   = "MSK consumer offset lag, group ${var.consumer_group}"
          region  = var.region
          stat    = "Maximum"
          period  = var.period_seconds
          view    = "timeSeries"
          metrics = [for topic in var.input_topics : ["AWS/Kafka", "MaxOffsetLag", "Cluster Name", var.msk_cluster_name, "Consumer Group", var.consumer_group, "Topic", topic]]
        }
      },
      {
        type = "metric", x = 0, y = 6, width = 8, height = 6
        properties = {
          title   = "Flink source lag (records_lag_max)"
          region  = var.region
          stat    = "Maximum"
          period  = var.period_seconds
          view    = "timeSeries"
          metrics = [["AWS/KinesisAnalytics", "records_lag_max", "Application", var.application_name]]
        }
      },
      {
        type = "metric", x = 8, y = 6, width = 8, height = 6
        properties = {
          title  = "Checkpoints"
          region = var.region
          stat   = "Maximum"
          period = var.period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/KinesisAnalytics", "lastCheckpointDuration", "Application", var.application_name],
            ["AWS/KinesisAnalytics", "numberOfFailedCheckpoints", "Application", var.application_name, { yAxis = "right" }],
          ]
        }
      },
      {
        type = "metric", x = 16, y = 6, width = 8, height = 6
        properties = {
          title  = "Restarts, ${join(", ", var.job_down_metrics)}, KPUs"
          region = var.region
          stat   = "Maximum"
          period = var.period_seconds
          view   = "timeSeries"
          metrics = concat(
            [["AWS/KinesisAnalytics", "numRestarts", "Application", var.application_name]],
            [for m in var.job_down_metrics : ["AWS/KinesisAnalytics", m, "Application", var.application_name]],
            [["AWS/KinesisAnalytics", "KPUs", "Application", var.application_name, { yAxis = "right" }]],
          )
        }
      },
      ], var.model_endpoint_alarms == null ? [] : [
      {
        type = "metric", x = 0, y = 12, width = 12, height = 6
        properties = {
          title  = "SageMaker endpoint ${var.model_endpoint_alarms.endpoint_name}: errors, ModelLatency (microseconds)"
          region = var.region
          stat   = "Sum"
          period = var.period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/SageMaker", "Invocation4XXErrors", "EndpointName", var.model_endpoint_alarms.endpoint_name, "VariantName", var.model_endpoint_alarms.variant_name],
            ["AWS/SageMaker", "Invocation5XXErrors", "EndpointName", var.model_endpoint_alarms.endpoint_name, "VariantName", var.model_endpoint_alarms.variant_name],
            ["AWS/SageMaker", "ModelLatency", "EndpointName", var.model_endpoint_alarms.endpoint_name, "VariantName", var.model_endpoint_alarms.variant_name, { stat = "Average", yAxis = "right" }],
          ]
        }
      },
    ])
  })
}
