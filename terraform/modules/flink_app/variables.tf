variable "application_properties" {
  description = <<-EOT
    The application's runtime properties, one attribute per property group and key that
    flink_jobs/config.py reads (see local.property_keys for the exact group ids and keys). null
    (or an omitted attribute) leaves a key out, so the loader's default applies; a few keys have
    deployment defaults here (IAM auth, a 60 s checkpoint interval, parallelism 1). The offline
    group's s3.* keys exist only for local S3 servers and are deliberately absent.
    null bootstrap_servers, offline.path and kafka_sink.transactional_id_prefix take the cluster's
    endpoint, s3a://<lake bucket>/<lake prefix> and the application name. source_topics (source
    name -> topic) and feature_topics (feature set name -> topic) rename the manifest's topics;
    null pipeline.name is the manifest's pipeline. backfill (null: the live job) makes this a
    backfill application (docs/backfill.md): it reads <offline.path>/events/ and writes
    <offline.path>/backfill/<run>/ only, so its role gets no Kafka permissions, read access to the
    archive and write access under backfill/ only, and its security group no broker rule.
    Validated in modules/properties.
  EOT
  type = object({
    run_options = optional(object({
      python   = optional(string, "main.py")
      jarfile  = optional(string, "lib/pyflink-dependencies.jar")
      py_files = optional(string)
    }), {})
    kafka = optional(object({
      bootstrap_servers       = optional(string)
      auth                    = optional(string, "iam")
      group_id                = optional(string, "msk-flink-features")
      sasl_username           = optional(string)
      sasl_password           = optional(string)
      ssl_truststore_location = optional(string)
      ssl_truststore_type     = optional(string)
      ssl_keystore_location   = optional(string)
      ssl_keystore_type       = optional(string)
      ssl_keystore_password   = optional(string)
      ssl_key_password        = optional(string)
      scan_startup_mode       = optional(string)
      bounded                 = optional(bool, false)
      create_topics           = optional(bool)
    }), {})
    topics = optional(object({
      dead_letter  = optional(string, "dead-letter")
      late_events  = optional(string, "late-events")
      partitions   = optional(number, 3)
      retention_ms = optional(number, 604800000)
    }), {})
    kafka_sink = optional(object({
      delivery_guarantee      = optional(string, "exactly-once")
      transactional_id_prefix = optional(string)
      transaction_timeout_ms  = optional(number, 600000)
    }), {})
    offline = optional(object({
      path = optional(string)
    }), {})
    pipeline = optional(object({
      name                    = optional(string)
      version                 = optional(string)
      watermark_delay_seconds = optional(number)
      idle_timeout_seconds    = optional(number)
      checkpoint_interval_ms  = optional(number, 60000)
      parallelism             = optional(number, 1)
      feature_sets            = optional(string)
      added_feature_sets      = optional(string)
      switch_over             = optional(string)
    }), {})
    backfill = optional(object({
      from             = string
      to               = string
      feature_sets     = optional(string)
      run              = optional(string)
      lookback_seconds = optional(number)
    }))
    scoring = optional(object({
      region             = optional(string)
      max_in_flight      = optional(number)
      attempt_timeout_ms = optional(number)
      max_attempts       = optional(number)
      backoff_ms         = optional(number)
    }), {})
    source_topics  = optional(map(string), {})
    feature_topics = optional(map(string), {})
  })
  default = {}

}

variable "name" {
  description = "Name of the Managed Flink application (also its role, log group and security group)."
  type        = string
}

variable "description" {
  description = "Description of the application."
  type        = string
  default     = "msk-flink-features: real-time ML features from MSK"
}

variable "runtime_environment" {
  description = "Managed Flink runtime. FLINK-2_2 (Java 17, Python 3.12) needs hashicorp/aws >= 6.40."
  type        = string
  default     = "FLINK-2_2"
}

variable "code_zip_path" {
  description = "Local path of the application zip built by `make package` (target/msk-flink-features-<version>.zip), uploaded by this module. null with code_object (a zip another instance uploaded)."
  type        = string
  default     = null
}

variable "code_object" {
  description = "An application zip already in code_bucket_name (e.g. another flink_app instance's code_s3_key and code_s3_object_version): the application runs it and this module uploads nothing. null uploads code_zip_path."
  type = object({
    key        = string
    version_id = string
  })
  default = null

  validation {
    condition     = (var.code_object == null) != (var.code_zip_path == null)
    error_message = "Set exactly one of code_zip_path (upload the zip) and code_object (run a zip already uploaded)."
  }
}

variable "code_bucket_name" {
  description = "Versioned bucket the zip is uploaded to."
  type        = string
}

variable "code_bucket_arn" {
  description = "ARN of code_bucket_name."
  type        = string
}

variable "code_key_prefix" {
  description = "Key prefix of the uploaded zips; the key ends in the zip's SHA-256, so a new build is a new object and a new application version."
  type        = string
  default     = "flink/"
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key of the buckets and the log group; the role may use it for S3 data keys."
  type        = string
}

variable "lake_bucket_name" {
  description = "Data-lake bucket; offline.path defaults to s3a://<lake_bucket_name>/<lake_prefix>."
  type        = string
  default     = null
}

variable "lake_prefix" {
  description = "Key prefix of the pipeline's Parquet output in the lake bucket."
  type        = string
  default     = "msk-flink-features"
}

variable "msk_cluster_arn" {
  description = "ARN of the MSK cluster; kafka-cluster IAM permissions are scoped to it and to its topic, group and transactional-id ARNs."
  type        = string
}

variable "scram_secret" {
  description = "For kafka.auth = scram: the Secrets Manager secret of the job's SCRAM user (MSK requires the name AmazonMSK_* and a customer managed KMS key) and that key's ARN. The properties get only references (secretsmanager:<arn>:username / :password), which the Kafka client resolves at run time through AWS's Secrets Manager config provider; the role may read this secret (secretsmanager:GetSecretValue) and decrypt it through Secrets Manager (kms:Decrypt). The password never enters the properties or the Terraform state."
  type = object({
    arn         = string
    kms_key_arn = string
  })
  default = null

  validation {
    condition     = var.scram_secret == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:AmazonMSK_[A-Za-z0-9/_+=.@-]+$", try(var.scram_secret.arn, "-")))
    error_message = "scram_secret.arn must be the ARN of a Secrets Manager secret named AmazonMSK_* (MSK's rule for SCRAM secrets)."
  }
  validation {
    condition     = var.scram_secret == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", try(var.scram_secret.kms_key_arn, "-")))
    error_message = "scram_secret.kms_key_arn must be a KMS key ARN (MSK SCRAM secrets use a customer managed key)."
  }
}

variable "bootstrap_servers" {
  description = "Bootstrap servers for the auth mode in application_properties.kafka.auth."
  type        = string
}

variable "manifest" {
  description = "The pipeline's manifest, decoded: jsondecode(file(\"<pipeline>.manifest.json\")), written by `msk-features manifest <pipeline> -o FILE`. Its sources and feature sets give the topics the role may read and write, the topics output and the topics property group; format 1 only. Validated in modules/properties."
  type        = any

  validation {
    condition     = try(var.manifest.format, null) == 1
    error_message = "The manifest's format is not 1 (the only format this module reads): regenerate it with `msk-features manifest <pipeline> -o FILE` from the checkout whose zip is deployed, or update the module."
  }
}

variable "parallelism_per_kpu" {
  description = "Parallel tasks per KPU (1 vCPU, 4 GiB); KPUs = ceil(parallelism / parallelism_per_kpu)."
  type        = number
  default     = 1
}

variable "auto_scaling_enabled" {
  description = "Let Managed Flink scale parallelism with CPU load (it may then differ from pipeline.parallelism)."
  type        = bool
  default     = false
}

variable "min_pause_between_checkpoints_ms" {
  description = "Minimum pause between the end of one checkpoint and the start of the next."
  type        = number
  default     = 5000
}

variable "snapshots_enabled" {
  description = "Take a snapshot on stop/update and restore the latest one on start."
  type        = bool
  default     = true
}

variable "start_application" {
  description = "Start the application after apply. The topics must exist by then (MSK does not create them on demand): Terraform creates them on a provisioned cluster (modules/msk_topics, passed in as topics_ready), the job itself on MSK Serverless (job_creates_topics)."
  type        = bool
  default     = false
}

variable "job_creates_topics" {
  description = "Let the job create its missing topics at start through the Kafka admin API (the way on MSK Serverless, which has no topic API): the role gets kafka-cluster:CreateTopic and DescribeTopic on exactly the manifest's topics. Leave false where Terraform creates the topics."
  type        = bool
  default     = false
}

variable "topics_ready" {
  description = "Anything that is known only once the topics exist, e.g. module.topics.topic_arns of modules/msk_topics: the application is created (and started) after it. null when the topics are created otherwise."
  type        = any
  default     = null
}

variable "scoring_endpoints" {
  description = "Scoring name -> name of the SageMaker endpoint the job calls for it (e.g. { risk_score = \"features-risk-score\" }): the scoring property group gets <scoring name>.endpoint = <endpoint name>, and the role sagemaker:InvokeEndpoint on exactly these endpoints' ARNs (arn:<partition>:sagemaker:<region>:<account>:endpoint/<name in lower case>, as SageMaker writes endpoint ARNs). The application reaches SageMaker Runtime over HTTPS: an interface endpoint com.amazonaws.<region>.sagemaker.runtime in its VPC (egress_https_cidr_blocks) or a NAT gateway. Empty (the default): no scoring group, no SageMaker permission."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.scoring_endpoints) : can(regex("^[a-z][a-z0-9_]*$", name))])
    error_message = "scoring_endpoints keys must be scoring names: a lower-case letter, then lower-case letters, digits or _ (e.g. risk_score)."
  }
  validation {
    # The CreateEndpoint API's EndpointName pattern.
    condition     = alltrue([for endpoint in values(var.scoring_endpoints) : can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", endpoint))])
    error_message = "scoring_endpoints values must be SageMaker endpoint names: 1 to 63 letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "vpc_id" {
  description = "VPC of the application's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the application's ENIs go into."
  type        = list(string)
}

variable "broker_security_group_id" {
  description = "Security group of the brokers; the application may reach it on the auth mode's port."
  type        = string
}

variable "egress_https_cidr_blocks" {
  description = "CIDR blocks the application may reach on 443 (e.g. the VPC's, for interface endpoints of CloudWatch)."
  type        = list(string)
  default     = []
}

variable "egress_https_prefix_list_ids" {
  description = "Prefix lists the application may reach on 443 (e.g. the S3 gateway endpoint's)."
  type        = list(string)
  default     = []
}

variable "log_level" {
  description = "Application log level: INFO, WARN, ERROR or DEBUG."
  type        = string
  default     = "INFO"
}

variable "metrics_level" {
  description = "CloudWatch metrics level: APPLICATION, OPERATOR, TASK or PARALLELISM."
  type        = string
  default     = "APPLICATION"
}

variable "log_retention_in_days" {
  description = "Retention of the application's log group."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
