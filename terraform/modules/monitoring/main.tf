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
    job-down = {
      metric              = var.job_down_metric_name
      statistic           = "Average"
      threshold           = var.thresholds.downtime_ms
      evaluation_periods  = 1
      description         = "${var.application_name} is not running (${var.job_down_metric_name} > ${var.thresholds.downtime_ms})."
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

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
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
          title  = "Restarts, ${var.job_down_metric_name}, KPUs"
          region = var.region
          stat   = "Maximum"
          period = var.period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/KinesisAnalytics", "numRestarts", "Application", var.application_name],
            ["AWS/KinesisAnalytics", var.job_down_metric_name, "Application", var.application_name],
            ["AWS/KinesisAnalytics", "KPUs", "Application", var.application_name, { yAxis = "right" }],
          ]
        }
      },
    ]
  })
}
