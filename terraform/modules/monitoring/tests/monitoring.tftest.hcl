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
    condition     = toset([for alarm in aws_cloudwatch_metric_alarm.flink : alarm.metric_name]) == toset(["records_lag_max", "lastCheckpointDuration", "cpuUtilization", "heapMemoryUtilization"])
    error_message = "Threshold alarms on records_lag_max, lastCheckpointDuration, cpuUtilization and heapMemoryUtilization."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.flink["cpu"].threshold == 80 && aws_cloudwatch_metric_alarm.flink["cpu"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.flink["heap"].threshold == 90 && aws_cloudwatch_metric_alarm.flink["heap"].statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.flink["cpu"].namespace == "AWS/KinesisAnalytics" && aws_cloudwatch_metric_alarm.flink["heap"].dimensions == tomap({ Application = "features" })
    )
    error_message = "Flink CPU > 80% and heap > 90% (Maximum, dimension Application), AWS's recommended alarms."
  }
  assert {
    condition = (
      toset([for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q.metric[0].metric_name if length(q.metric) > 0]) == toset(["restartingTime", "failingTime"]) &&
      alltrue([for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q.metric[0].unit == "Milliseconds" && q.metric[0].namespace == "AWS/KinesisAnalytics" && q.metric[0].dimensions == tomap({ Application = "features" }) if length(q.metric) > 0]) &&
      [for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q.expression if q.return_data == true] == ["MAX([m0, m1])"] &&
      aws_cloudwatch_metric_alarm.job_down.threshold == 0
    )
    error_message = "The job-down alarm watches restartingTime and failingTime (FLINK-2_2's replacements of the deprecated downtime), in milliseconds, > 0."
  }
  assert {
    condition     = length([for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q if length(q.metric) > 0 && try(q.metric[0].metric_name, "") == "downtime"]) == 0
    error_message = "The deprecated downtime metric is not the default."
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.flink_increase)) == toset(["restarts", "failed-checkpoints", "late-records-dropped"])
    error_message = "Increase alarms on numRestarts, numberOfFailedCheckpoints and numLateRecordsDropped."
  }
  assert {
    condition     = alltrue([for alarm in aws_cloudwatch_metric_alarm.flink_increase : anytrue([for q in alarm.metric_query : q.expression == "DIFF(counter)"])])
    error_message = "Restart, failed-checkpoint and late-record alarms fire on a rise of the counter (DIFF)."
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
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.broker) == 0 && length(aws_cloudwatch_metric_alarm.broker_cpu) == 0 && length(aws_cloudwatch_metric_alarm.active_controller) == 0
    error_message = "No broker alarms without broker_alarms (MSK Serverless has no broker metrics)."
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.model_endpoint) == 0 && output.model_endpoint_alarm_names == []
    error_message = "No SageMaker endpoint alarms without model_endpoint_alarms."
  }
}

# A SageMaker endpoint the job calls: Invocation4XXErrors and Invocation5XXErrors (Sum) and
# ModelLatency (Average, microseconds), dimensions EndpointName and VariantName, on the same actions.
run "model_endpoint_alarms" {
  command = apply

  variables {
    model_endpoint_alarms = { endpoint_name = "features-fraud-score" }
  }

  assert {
    condition = (
      toset(keys(aws_cloudwatch_metric_alarm.model_endpoint)) == toset(["model-4xx-errors", "model-5xx-errors", "model-latency"]) &&
      alltrue([for a in aws_cloudwatch_metric_alarm.model_endpoint : a.namespace == "AWS/SageMaker" && a.dimensions == tomap({ EndpointName = "features-fraud-score", VariantName = "AllTraffic" })])
    )
    error_message = "Three alarms in AWS/SageMaker on the endpoint's variant (EndpointName, VariantName = AllTraffic)."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.model_endpoint["model-4xx-errors"].metric_name == "Invocation4XXErrors" && aws_cloudwatch_metric_alarm.model_endpoint["model-4xx-errors"].statistic == "Sum" && aws_cloudwatch_metric_alarm.model_endpoint["model-4xx-errors"].threshold == 0 &&
      aws_cloudwatch_metric_alarm.model_endpoint["model-5xx-errors"].metric_name == "Invocation5XXErrors" && aws_cloudwatch_metric_alarm.model_endpoint["model-5xx-errors"].statistic == "Sum" && aws_cloudwatch_metric_alarm.model_endpoint["model-5xx-errors"].threshold == 0
    )
    error_message = "Any 4xx or 5xx invocation error within a period (Sum > 0) fires its alarm."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.model_endpoint["model-latency"].metric_name == "ModelLatency" && aws_cloudwatch_metric_alarm.model_endpoint["model-latency"].statistic == "Average" && aws_cloudwatch_metric_alarm.model_endpoint["model-latency"].threshold == 100000 && aws_cloudwatch_metric_alarm.model_endpoint["model-latency"].evaluation_periods == var.evaluation_periods
    error_message = "ModelLatency, in microseconds: Average above 100000 (100 ms) for evaluation_periods periods."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.model_endpoint : a.alarm_actions == toset([aws_sns_topic.this[0].arn]) && a.ok_actions == toset([aws_sns_topic.this[0].arn])])
    error_message = "The endpoint alarms notify the same SNS topic as the others, on ALARM and OK."
  }
  assert {
    condition     = length(output.model_endpoint_alarm_names) == 3 && output.alarm_metrics["features-model-latency"] == "AWS/SageMaker/ModelLatency"
    error_message = "The endpoint alarms are listed in the outputs."
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 6
    error_message = "The dashboard gains one widget for the endpoint."
  }
}

run "model_endpoint_alarm_thresholds" {
  command = plan

  variables {
    model_endpoint_alarms = { endpoint_name = "scorer", variant_name = "Blue", invocation_4xx_errors = 10, model_latency_microseconds = 250000 }
    alarm_actions         = ["arn:aws:sns:us-east-1:123456789012:oncall"]
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.model_endpoint["model-4xx-errors"].threshold == 10 && aws_cloudwatch_metric_alarm.model_endpoint["model-latency"].threshold == 250000 && aws_cloudwatch_metric_alarm.model_endpoint["model-5xx-errors"].dimensions["VariantName"] == "Blue"
    error_message = "Thresholds and the variant name are taken from model_endpoint_alarms."
  }
  assert {
    condition     = contains(aws_cloudwatch_metric_alarm.model_endpoint["model-5xx-errors"].alarm_actions, "arn:aws:sns:us-east-1:123456789012:oncall")
    error_message = "alarm_actions reach the endpoint alarms too."
  }
}

run "flink_1_x_job_down" {
  command = plan

  variables {
    job_down_metrics = ["downtime"]
  }

  assert {
    condition     = [for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q.metric[0].metric_name if length(q.metric) > 0] == ["downtime"] && [for q in aws_cloudwatch_metric_alarm.job_down.metric_query : q.expression if q.return_data == true] == ["MAX([m0])"]
    error_message = "FLINK-1_x runtimes can keep downtime."
  }
}

run "unknown_job_down_metric_refused" {
  command = plan

  variables {
    job_down_metrics = ["fullRestarts"]
  }

  expect_failures = [var.job_down_metrics]
}

# Provisioned brokers (ZooKeeper mode): per-broker disk, CPU and under-replication, and the active
# controller, with the documented metric names, units and dimensions.
run "broker_alarms_zookeeper" {
  command = plan

  variables {
    broker_alarms = { broker_ids = ["1", "2", "3"] }
  }

  assert {
    condition = (
      toset(keys(aws_cloudwatch_metric_alarm.broker)) == toset(["broker-1-disk", "broker-2-disk", "broker-3-disk", "broker-1-under-replicated", "broker-2-under-replicated", "broker-3-under-replicated"]) &&
      alltrue([for a in aws_cloudwatch_metric_alarm.broker : a.namespace == "AWS/Kafka" && a.dimensions["Cluster Name"] == "features" && contains(["1", "2", "3"], a.dimensions["Broker ID"]) && length(a.dimensions) == 2])
    )
    error_message = "Disk and under-replicated-partition alarms per broker, dimensions Cluster Name and Broker ID."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.broker["broker-2-disk"].metric_name == "KafkaDataLogsDiskUsed" && aws_cloudwatch_metric_alarm.broker["broker-2-disk"].threshold == 85 && aws_cloudwatch_metric_alarm.broker["broker-2-disk"].comparison_operator == "GreaterThanThreshold"
    error_message = "KafkaDataLogsDiskUsed > 85% (AWS's disk best practice)."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.broker["broker-3-under-replicated"].metric_name == "UnderReplicatedPartitions" && aws_cloudwatch_metric_alarm.broker["broker-3-under-replicated"].threshold == 0
    error_message = "UnderReplicatedPartitions > 0."
  }
  assert {
    condition = (
      length(aws_cloudwatch_metric_alarm.broker_cpu) == 3 &&
      [for q in aws_cloudwatch_metric_alarm.broker_cpu["1"].metric_query : q.expression if q.return_data == true] == ["user + system"] &&
      toset([for q in aws_cloudwatch_metric_alarm.broker_cpu["1"].metric_query : q.metric[0].metric_name if length(q.metric) > 0]) == toset(["CpuUser", "CpuSystem"]) &&
      alltrue([for q in aws_cloudwatch_metric_alarm.broker_cpu["1"].metric_query : q.metric[0].unit == "Percent" && q.metric[0].dimensions == tomap({ "Cluster Name" = "features", "Broker ID" = "1" }) if length(q.metric) > 0]) &&
      aws_cloudwatch_metric_alarm.broker_cpu["1"].threshold == 60
    )
    error_message = "CpuUser + CpuSystem (metric math, Percent) > 60% per broker (AWS's CPU best practice)."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.active_controller[0].metric_name == "ActiveControllerCount" &&
      aws_cloudwatch_metric_alarm.active_controller[0].dimensions == tomap({ "Cluster Name" = "features" }) &&
      aws_cloudwatch_metric_alarm.active_controller[0].comparison_operator == "LessThanThreshold" &&
      aws_cloudwatch_metric_alarm.active_controller[0].threshold == 1
    )
    error_message = "ActiveControllerCount < 1 (dimension Cluster Name) on a ZooKeeper cluster."
  }
  assert {
    condition     = length(output.broker_alarm_names) == 10
    error_message = "3 x (disk, CPU, under-replicated) + the active controller = 10 broker alarms."
  }
}

run "broker_alarms_kraft" {
  command = plan

  variables {
    broker_alarms = { broker_ids = ["1", "2", "3"], kraft = true }
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.active_controller) == 0 && length(output.broker_alarm_names) == 9
    error_message = "KRaft clusters get the broker alarms but not ActiveControllerCount."
  }
}
