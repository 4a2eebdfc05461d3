output "sns_topic_arn" {
  description = "ARN of the alarm topic (null unless create_sns_topic)."
  value       = try(aws_sns_topic.this[0].arn, null)
}

output "consumer_lag_alarm_names" {
  description = "Names of the MSK consumer-lag alarms (EstimatedMaxTimeLag and MaxOffsetLag per input topic)."
  value       = [for alarm in aws_cloudwatch_metric_alarm.consumer_lag : alarm.alarm_name]
}

output "flink_alarm_names" {
  description = "Names of the Managed Flink alarms (records_lag_max, restarts, checkpoint duration and failures, CPU, heap, job down)."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.flink : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.flink_increase : alarm.alarm_name],
    [aws_cloudwatch_metric_alarm.job_down.alarm_name],
  )
}

output "broker_alarm_names" {
  description = "Names of the MSK broker alarms (per broker: disk, CPU, under-replicated partitions; the active-controller alarm); empty without broker_alarms."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.broker : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.broker_cpu : alarm.alarm_name],
    [for alarm in aws_cloudwatch_metric_alarm.active_controller : alarm.alarm_name],
  )
}

output "model_endpoint_alarm_names" {
  description = "Names of the SageMaker endpoint alarms (Invocation4XXErrors, Invocation5XXErrors, ModelLatency); empty without model_endpoint_alarms."
  value       = [for alarm in aws_cloudwatch_metric_alarm.model_endpoint : alarm.alarm_name]
}

output "alarm_metrics" {
  description = "Alarm name -> the metric it watches (namespace/metric)."
  value = merge(
    { for alarm in aws_cloudwatch_metric_alarm.consumer_lag : alarm.alarm_name => "${alarm.namespace}/${alarm.metric_name}" },
    { for alarm in aws_cloudwatch_metric_alarm.flink : alarm.alarm_name => "${alarm.namespace}/${alarm.metric_name}" },
    { for key, alarm in aws_cloudwatch_metric_alarm.flink_increase : alarm.alarm_name => "AWS/KinesisAnalytics/${local.flink_alarms[key].metric} (increase)" },
    { (aws_cloudwatch_metric_alarm.job_down.alarm_name) = "AWS/KinesisAnalytics/MAX(${join(", ", var.job_down_metrics)})" },
    { for alarm in aws_cloudwatch_metric_alarm.broker : alarm.alarm_name => "${alarm.namespace}/${alarm.metric_name}" },
    { for alarm in aws_cloudwatch_metric_alarm.broker_cpu : alarm.alarm_name => "AWS/Kafka/CpuUser + CpuSystem" },
    { for alarm in aws_cloudwatch_metric_alarm.active_controller : alarm.alarm_name => "${alarm.namespace}/${alarm.metric_name}" },
    { for alarm in aws_cloudwatch_metric_alarm.model_endpoint : alarm.alarm_name => "${alarm.namespace}/${alarm.metric_name}" },
  )
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = try(aws_cloudwatch_dashboard.this.dashboard_name, null)
}
