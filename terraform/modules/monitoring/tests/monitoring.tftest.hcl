# Mock-provider test of modules/monitoring as a root module.

mock_provider "aws" {
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:features-alarms" }
  }
}

variables {
  name             = "features"
  region           = "us-east-1"
  msk_cluster_name = "features"
  consumer_group   = "msk-flink-features"
  input_topics     = ["transactions", "clicks", "profiles"]
  application_name = "features"
  kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
}

run "alarms" {
  command = apply

  assert {
    condition = alltrue([for alarm in aws_cloudwatch_metric_alarm.consumer_lag : alarm.namespace == "AWS/Kafka" && alarm.dimensions == tomap({
      "Cluster Name"   = "features"
      "Consumer Group" = "msk-flink-features"
      "Topic"          = alarm.dimensions["Topic"]
    })])
    error_message = "Consumer-lag alarms watch the job's group on the cluster."
  }
  assert {
    condition     = toset([for alarm in aws_cloudwatch_metric_alarm.consumer_lag : "${alarm.metric_name}/${alarm.dimensions["Topic"]}"]) == toset([for pair in setproduct(["EstimatedMaxTimeLag", "MaxOffsetLag"], var.input_topics) : join("/", pair)])
    error_message = "EstimatedMaxTimeLag and MaxOffsetLag alarms for every input topic."
  }
  assert {
    condition     = toset([for alarm in aws_cloudwatch_metric_alarm.flink : alarm.metric_name]) == toset(["records_lag_max", "lastCheckpointDuration", "downtime"])
    error_message = "Threshold alarms on records_lag_max, lastCheckpointDuration and the job-down metric."
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.flink_increase)) == toset(["restarts", "failed-checkpoints"])
    error_message = "Increase alarms on numRestarts and numberOfFailedCheckpoints."
  }
  assert {
    condition     = alltrue([for alarm in aws_cloudwatch_metric_alarm.flink_increase : anytrue([for q in alarm.metric_query : q.expression == "DIFF(counter)"])])
    error_message = "Restart and failed-checkpoint alarms fire on a rise of the counter (DIFF)."
  }
  assert {
    condition     = alltrue([for alarm in concat(values(aws_cloudwatch_metric_alarm.consumer_lag), values(aws_cloudwatch_metric_alarm.flink)) : alarm.alarm_actions == toset([aws_sns_topic.this[0].arn])])
    error_message = "Every alarm notifies the SNS topic."
  }
  assert {
    condition     = aws_sns_topic.this[0].kms_master_key_id == var.kms_key_arn
    error_message = "The SNS topic is KMS-encrypted."
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 5
    error_message = "The dashboard has its five widgets."
  }
}
