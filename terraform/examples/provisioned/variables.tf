variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the stack: prefix of every resource, the MSK cluster and the Flink application."
  type        = string
  default     = "msk-flink-features-prod"
}

variable "vpc_cidr" {
  description = "CIDR block of the example VPC (private subnets are /20s carved from it)."
  type        = string
  default     = "10.42.0.0/16"
}

variable "availability_zone_ids" {
  description = "Availability zone ids of the private subnets (one subnet each; 3 for the 3 brokers). Zone ids, not names, name the same zones in every account; the defaults are in us-east-1 (MSK does not support use1-az3)."
  type        = list(string)
  default     = ["use1-az1", "use1-az2", "use1-az4"]
}

variable "code_zip_path" {
  description = "The application zip; null means target/msk-flink-features-0.1.0.zip at the repository root (built by `make package`)."
  type        = string
  default     = null
}

variable "flink_runtime_environment" {
  description = "Managed Flink runtime of the application."
  type        = string
  default     = "FLINK-2_2"
}

variable "parallelism" {
  description = "Parallelism of the Flink application (pipeline.parallelism; one KPU per task here, one task per partition)."
  type        = number
  default     = 3
}

variable "start_application" {
  description = "Start the application on apply. The topics are created in the same apply, before the application (create_topics)."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Let terraform destroy empty the buckets (keep false for production data)."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (confirm the subscription mail); null subscribes nobody."
  type        = string
  default     = null
}

variable "broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
  default     = "kafka.m7g.large"
}

variable "broker_volume_size" {
  description = "EBS storage per broker in GiB; null sizes it from the expected traffic below (the msk module's storage_sizing)."
  type        = number
  default     = null
}

variable "expected_events_per_second" {
  description = "Events per second produced to the input topics, all sources together (sizes the broker storage)."
  type        = number
  default     = 1000
}

variable "mean_record_bytes" {
  description = "Mean size of an input record in bytes, key and value (sizes the broker storage)."
  type        = number
  default     = 1000
}

variable "output_ratio" {
  description = "Bytes the job writes to its output topics (features, dead letters, late events) per input byte, as in `msk-features cost`."
  type        = number
  default     = 1.0
}

variable "retention_hours" {
  description = "Retention of the delete topics in hours: written to the topics (retention.ms, Terraform and the job's topics group) and used to size the broker storage."
  type        = number
  default     = 168
}

variable "replication_factor" {
  description = "Replication factor of the topics (and of the broker defaults); sizes the broker storage."
  type        = number
  default     = 3
}

variable "storage_headroom" {
  description = "Broker storage = stored bytes / brokers x headroom: 2 keeps the steady state at 50% of each disk, the low end of AWS's recommended 50-60% autoscaling target."
  type        = number
  default     = 2.0
}

variable "storage_autoscaling_target" {
  description = "Storage autoscaling target utilization in percent (10-80; AWS recommends 50-60)."
  type        = number
  default     = 60
}

variable "storage_autoscaling_max_gib" {
  description = "Largest volume per broker storage autoscaling may grow to, GiB (MSK allows up to 16384)."
  type        = number
  default     = 16384
}

variable "create_topics" {
  description = "Create the manifest's topics with aws_msk_topic (MSK topic API, Kafka >= 3.6) on apply."
  type        = bool
  default     = true
}

variable "job_creates_topics" {
  description = "Let the job create its missing topics at start instead (the role may then create exactly the manifest's topics); off here, since Terraform creates them."
  type        = bool
  default     = false
}

variable "kafka_version" {
  description = "Apache Kafka version of the cluster."
  type        = string
  default     = "3.9.x"
}

variable "backfill" {
  description = "A backfill to run as its own Managed Flink application, <name>-backfill-<run> (docs/backfill.md): from and to (RFC 3339 UTC, from < to), feature_sets (names; empty: all), run (the output folder backfill/<run>/; default <from>_<to> in compact UTC), lookback_seconds (default: what the feature sets need), parallelism (default: var.parallelism). Apply creates and starts it from the live application's zip; null (the default) creates none, and setting it back to null removes it."
  type = object({
    from             = string
    to               = string
    feature_sets     = optional(list(string), [])
    run              = optional(string)
    lookback_seconds = optional(number)
    parallelism      = optional(number)
  })
  default = null

  validation {
    condition = var.backfill == null || try(alltrue([
      for t in [var.backfill.from, var.backfill.to] :
      can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z$", t)) && can(timecmp(t, t))
    ]), false)
    error_message = "backfill.from and backfill.to must be UTC instants in RFC 3339 form with a Z, e.g. 2026-11-01T00:00:00Z (milliseconds optional)."
  }
  validation {
    condition     = var.backfill == null || try(timecmp(var.backfill.from, var.backfill.to) < 0, false)
    error_message = "backfill.to must be after backfill.from (the range is [from, to))."
  }
  validation {
    condition     = try(var.backfill.run, null) == null || can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", try(var.backfill.run, "")))
    error_message = "backfill.run must be a run name: 1 to 100 of letters, digits, '.', '_', '-', starting with a letter or digit (it names the folder backfill/<run>/ and the application)."
  }
  validation {
    condition     = var.backfill == null || try(alltrue([for name in var.backfill.feature_sets : can(regex("^[a-z][a-z0-9_]*$", name))]), false)
    error_message = "backfill.feature_sets must hold feature set names (non-empty: a lower-case letter, then lower-case letters, digits, _), e.g. [\"txn_1h\", \"txn_features\"]; leave it out for all of them."
  }
  validation {
    condition     = try(var.backfill.lookback_seconds, null) == null || try(var.backfill.lookback_seconds >= 0 && var.backfill.lookback_seconds <= 31622400 && floor(var.backfill.lookback_seconds) == var.backfill.lookback_seconds, false)
    error_message = "backfill.lookback_seconds must be a whole number of seconds from 0 to 31622400 (366 days)."
  }
  validation {
    condition     = try(var.backfill.parallelism, null) == null || try(var.backfill.parallelism >= 1 && var.backfill.parallelism <= 10000 && floor(var.backfill.parallelism) == var.backfill.parallelism, false)
    error_message = "backfill.parallelism must be a whole number from 1 to 10000."
  }
  validation {
    # Managed Flink application names: at most 128 characters. The default run name is at most 33.
    condition     = var.backfill == null || length(var.name) + length("-backfill-") + (try(var.backfill.run, null) == null ? 33 : length(try(var.backfill.run, ""))) <= 128
    error_message = "The backfill application's name, <name>-backfill-<run>, would exceed 128 characters: choose a shorter backfill.run."
  }
}

# ---------------------------------------------------------------------------------------------------
# Scoring (optional): a SageMaker endpoint the job calls for var.scoring_name. Set one of
# model_artifact_s3_uri (create the endpoint here) and model_endpoint_name (an endpoint that exists),
# or neither (no scoring: no endpoint, no SageMaker permission, no scoring group).
# ---------------------------------------------------------------------------------------------------

variable "model_artifact_s3_uri" {
  description = "S3 URI of a model artifact (model.tar.gz, e.g. s3://<artifact bucket>/models/fraud_score/model.tar.gz from `msk-features train`): creates a SageMaker endpoint <name>-<scoring_name> serving it with SageMaker's XGBoost image (modules/model_endpoint, settings in model_endpoint), its alarms, and the job's permission to call it. null (the default): no endpoint is created here."
  type        = string
  default     = null

  validation {
    condition     = var.model_artifact_s3_uri == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.model_artifact_s3_uri))
    error_message = "model_artifact_s3_uri must be s3://<bucket>/<key>.tar.gz, e.g. s3://my-bucket/models/fraud_score/model.tar.gz."
  }
}

variable "model_endpoint_name" {
  description = "Name of an existing SageMaker endpoint the job calls for scoring_name (bring your own): nothing is created, the application's role may sagemaker:InvokeEndpoint on that endpoint only. null (the default): none. Not together with model_artifact_s3_uri."
  type        = string
  default     = null

  validation {
    # The CreateEndpoint API's EndpointName pattern.
    condition     = var.model_endpoint_name == null || can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.model_endpoint_name))
    error_message = "model_endpoint_name must be a SageMaker endpoint name: 1 to 63 letters, digits or hyphens, starting and ending with a letter or digit."
  }
  validation {
    condition     = var.model_endpoint_name == null || var.model_artifact_s3_uri == null
    error_message = "Set model_artifact_s3_uri (create an endpoint from the artifact) or model_endpoint_name (use an existing endpoint), not both."
  }
}

variable "scoring_name" {
  description = "The pipeline's scoring the endpoint serves: a scoring of fraud.manifest.json (its scorings[].name; fraud_score for the fraud pipeline), the key <scoring_name>.endpoint of the application's scoring group; the created endpoint is <name>-<scoring_name with _ as ->."
  type        = string
  default     = "fraud_score"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]*$", var.scoring_name))
    error_message = "scoring_name must be a scoring name: a lower-case letter, then lower-case letters, digits or _ (e.g. fraud_score)."
  }
}

variable "model_endpoint" {
  description = "How the endpoint created from model_artifact_s3_uri runs (modules/model_endpoint): type serverless (memory_size_in_mb, max_concurrency; the default) or instance (instance_type, initial_instance_count), xgboost_image_tag (the XGBoost version the model was trained with), and alarm thresholds invocation_4xx_errors, invocation_5xx_errors (per period) and model_latency_microseconds (ModelLatency is in microseconds: 100000 = 100 ms). Ignored without model_artifact_s3_uri."
  type = object({
    type                       = optional(string, "serverless")
    memory_size_in_mb          = optional(number, 2048)
    max_concurrency            = optional(number, 5)
    instance_type              = optional(string, "ml.m5.large")
    initial_instance_count     = optional(number, 1)
    xgboost_image_tag          = optional(string, "3.0-5")
    invocation_4xx_errors      = optional(number, 0)
    invocation_5xx_errors      = optional(number, 0)
    model_latency_microseconds = optional(number, 100000)
  })
  default = {}
}
