variable "application_properties" {
  description = <<-EOT
    The application's runtime properties, one attribute per property group and key that
    flink_jobs/config.py reads (see local.property_keys for the exact group ids and keys). null
    (or an omitted attribute) leaves a key out, so the loader's default applies; a few keys have
    deployment defaults here (IAM auth, a 60 s checkpoint interval, parallelism 1). The offline
    group's s3.* keys exist only for local S3 servers and are deliberately absent.
    The pipeline's sources and feature sets come from var.manifest: source_topics (source name ->
    topic, keys of the topics group) and feature_topics (feature set name -> topic, the
    feature.topics group) rename their topics and must name sources and feature sets of the
    manifest; pipeline.name null means the manifest's pipeline. backfill (null for the live job)
    makes the application a backfill run over the archive (flink_jobs/config.py BackfillConfig).
    scoring holds the scoring group's limits (ScoringConfig: region, calls in flight, attempt
    timeout, attempts, backoff); the endpoints come from var.scoring_endpoints, and the group's
    endpoint.override / access.key / secret.key exist only for local servers and are absent here.
    feature_topics may also rename a scoring's topic (scores-<name>), as in the job.
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

  validation {
    condition     = contains(["plaintext", "scram", "mtls", "iam"], var.application_properties.kafka.auth)
    error_message = "kafka.auth must be one of plaintext, scram, mtls, iam."
  }
  validation {
    condition = var.application_properties.kafka.auth != "scram" || var.scram_secret_arn != null || (
      var.application_properties.kafka.sasl_username != null && var.application_properties.kafka.sasl_password != null
    )
    error_message = "kafka.auth = scram needs scram_secret_arn (or kafka.sasl_username and a kafka.sasl_password reference)."
  }
  validation {
    # Properties and Terraform state are readable by anyone who may read the application or the state:
    # they hold where a secret is, never the secret (flink_jobs/secret_refs.py resolves it at run time).
    # The key's character class lists '{' before '$' ([^:{}$[:space:]]), so no "$${" escape is needed:
    # checkov's HCL parser failed on that escape; tests/properties.tftest.hcl pins what is accepted.
    condition = alltrue([
      for value in [
        var.application_properties.kafka.sasl_password,
        var.application_properties.kafka.ssl_keystore_password,
        var.application_properties.kafka.ssl_key_password,
      ] : value == null || can(regex("^secretsmanager:[A-Za-z0-9/_+=.@:-]+:[^:{}$[:space:]]+$", coalesce(value, "-")))
    ])
    error_message = "kafka.sasl_password, ssl_keystore_password and ssl_key_password take a secret reference, secretsmanager:<secret ARN or name>:<json key>, never the password itself (use scram_secret_arn for SCRAM)."
  }
  validation {
    condition     = var.application_properties.kafka.auth != "mtls" || var.application_properties.kafka.ssl_keystore_location != null
    error_message = "kafka.auth = mtls needs kafka.ssl_keystore_location (a keystore shipped in the zip)."
  }
  validation {
    condition     = contains(["exactly-once", "at-least-once"], var.application_properties.kafka_sink.delivery_guarantee)
    error_message = "kafka_sink.delivery_guarantee must be exactly-once or at-least-once."
  }
  validation {
    condition     = var.application_properties.kafka_sink.transaction_timeout_ms >= 1000 && var.application_properties.kafka_sink.transaction_timeout_ms <= 900000
    error_message = "kafka_sink.transaction_timeout_ms must be from 1000 to 900000 (MSK's transaction.max.timeout.ms)."
  }
  validation {
    condition     = var.application_properties.pipeline.checkpoint_interval_ms >= 100
    error_message = "pipeline.checkpoint_interval_ms must be at least 100."
  }
  validation {
    condition     = var.application_properties.pipeline.parallelism >= 1 && var.application_properties.pipeline.parallelism <= 10000
    error_message = "pipeline.parallelism must be from 1 to 10000."
  }
  validation {
    condition     = var.application_properties.topics.partitions >= 1 && var.application_properties.topics.partitions <= 10000
    error_message = "topics.partitions must be from 1 to 10000."
  }
  validation {
    condition     = var.application_properties.offline.path == null || can(regex("^s3a://[a-z0-9.-]+(/.*)?$", coalesce(var.application_properties.offline.path, "-")))
    error_message = "offline.path must look like s3a://bucket/prefix."
  }
  validation {
    condition     = alltrue([for name in keys(var.application_properties.feature_topics) : can(regex("^[a-z][a-z0-9_]*$", name))])
    error_message = "feature_topics keys must be feature set names (lower case letters, digits, _)."
  }
  validation {
    # The job rejects a name its pipeline lacks at compile time; refuse it at plan time instead.
    condition     = alltrue([for name in keys(var.application_properties.source_topics) : contains(try([for s in var.manifest.sources : s.name], []), name)])
    error_message = "source_topics keys must be source names of the manifest's pipeline (manifest.sources[*].name)."
  }
  validation {
    condition     = alltrue([for name in keys(var.application_properties.feature_topics) : contains(try(concat([for fs in var.manifest.feature_sets : fs.name], [for s in try(var.manifest.scorings, []) : s.name]), []), name)])
    error_message = "feature_topics keys must be feature set names of the manifest's pipeline (manifest.feature_sets[*].name) or its scorings' names (manifest.scorings[*].name)."
  }
  validation {
    # The ranges of flink_jobs.config's scoring group.
    condition = alltrue([
      for pair in [
        [var.application_properties.scoring.max_in_flight, 1, 10000],
        [var.application_properties.scoring.attempt_timeout_ms, 10, 600000],
        [var.application_properties.scoring.max_attempts, 1, 10],
        [var.application_properties.scoring.backoff_ms, 1, 60000],
      ] : pair[0] == null || try(pair[0] >= pair[1] && pair[0] <= pair[2] && floor(pair[0]) == pair[0], false)
    ])
    error_message = "scoring: max_in_flight must be a whole number from 1 to 10000, attempt_timeout_ms from 10 to 600000, max_attempts from 1 to 10, backoff_ms from 1 to 60000."
  }
  validation {
    condition = alltrue([
      for topic in concat(
        values(var.application_properties.source_topics),
        values(var.application_properties.feature_topics),
        [var.application_properties.topics.dead_letter, var.application_properties.topics.late_events],
      ) : can(regex("^[A-Za-z0-9._-]{1,249}$", topic))
    ])
    error_message = "Topic names (source_topics, feature_topics, topics.dead_letter, topics.late_events) must be Kafka topic names: 1 to 249 of A-Z a-z 0-9 . _ -."
  }
  validation {
    # flink_jobs.config._instant accepts more forms; Terraform compares RFC 3339 with timecmp.
    condition = var.application_properties.backfill == null || alltrue([
      for t in [try(var.application_properties.backfill.from, ""), try(var.application_properties.backfill.to, "")] :
      can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z$", t)) && can(timecmp(t, t))
    ])
    error_message = "backfill.from and backfill.to must be UTC instants in RFC 3339 form, e.g. 2026-11-01T00:00:00Z (milliseconds optional)."
  }
  validation {
    condition     = var.application_properties.backfill == null || try(timecmp(var.application_properties.backfill.from, var.application_properties.backfill.to) < 0, false)
    error_message = "backfill.to must be after backfill.from."
  }
  validation {
    condition     = try(var.application_properties.backfill.run, null) == null || can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", try(var.application_properties.backfill.run, "")))
    error_message = "backfill.run must be a run name: 1 to 100 of letters, digits, '.', '_', '-', starting with a letter or digit."
  }
  validation {
    # The job rejects a feature set its pipeline lacks at compile time; refuse it at plan time instead.
    condition = try(var.application_properties.backfill.feature_sets, null) == null || try(alltrue([
      for name in split(",", var.application_properties.backfill.feature_sets) :
      contains([for fs in var.manifest.feature_sets : fs.name], trimspace(name))
    ]), false)
    error_message = "backfill.feature_sets must be comma-separated feature set names of the manifest's pipeline (manifest.feature_sets[*].name)."
  }
  validation {
    condition     = try(var.application_properties.backfill.lookback_seconds, null) == null || try(var.application_properties.backfill.lookback_seconds >= 0 && var.application_properties.backfill.lookback_seconds <= 31622400 && floor(var.application_properties.backfill.lookback_seconds) == var.application_properties.backfill.lookback_seconds, false)
    error_message = "backfill.lookback_seconds must be a whole number of seconds from 0 to 31622400 (366 days)."
  }
  validation {
    condition     = var.application_properties.backfill == null || var.application_properties.offline.path != null || var.offline_path != null
    error_message = "A backfill reads and writes the offline path: set offline.path (or offline_path / the lake bucket)."
  }
  validation {
    condition     = var.application_properties.pipeline.name == null || var.application_properties.pipeline.name == try(var.manifest.pipeline, null)
    error_message = "pipeline.name must be null or the manifest's pipeline (manifest.pipeline): the topics and IAM permissions are that pipeline's."
  }
}

variable "manifest" {
  description = <<-EOT
    The pipeline's manifest, decoded: jsondecode(file("<pipeline>.manifest.json")), the file that
    `msk-features manifest <pipeline> -o FILE` writes. Its sources (name, topic, versioned) and
    feature sets (name) define the topics the job reads and writes; their names and sizes here come
    from application_properties (source_topics, feature_topics, topics.*), as in the job. Only
    format 1 is read.
  EOT
  type        = any

  validation {
    condition     = try(var.manifest.format, null) == 1
    error_message = "The manifest's format is not 1 (the only format this module reads): regenerate it with `msk-features manifest <pipeline> -o FILE` from the checkout whose zip is deployed, or update the module."
  }
  validation {
    # Checked only for format 1 (another format gets the message above alone).
    condition = try(var.manifest.format, null) != 1 || try(
      can(regex("^[a-z][a-z0-9_]*$", var.manifest.pipeline)) && length(var.manifest.sources) > 0 && alltrue([
        for s in var.manifest.sources :
        can(regex("^[a-z][a-z0-9_]*$", s.name)) && can(regex("^[A-Za-z0-9._-]{1,249}$", s.topic)) && can(tobool(s.versioned))
      ]) && alltrue([for fs in var.manifest.feature_sets : can(regex("^[a-z][a-z0-9_]*$", fs.name))]),
      false,
    )
    error_message = "The manifest must be the decoded output of `msk-features manifest` (pipeline, sources[] with name, topic and versioned, feature_sets[] with name)."
  }
  validation {
    # Terraform names a feature set's topic as the job does (feature_topics, else features-<name>),
    # not from the file: a manifest written with renamed topics would disagree with the deployment.
    condition     = try(var.manifest.format, null) != 1 || alltrue([for fs in try(var.manifest.feature_sets, []) : try(fs.topic == "features-${replace(fs.name, "_", "-")}", false)])
    error_message = "The manifest's feature set topics are not the defaults (features-<name>): write it without --properties and rename topics with application_properties.feature_topics."
  }
  validation {
    # The same for scorings (scores-<name>); a manifest without scorings has none.
    condition     = try(var.manifest.format, null) != 1 || try(alltrue([for s in try(var.manifest.scorings, []) : can(regex("^[a-z][a-z0-9_]*$", s.name)) && s.topic == "scores-${replace(s.name, "_", "-")}"]), false)
    error_message = "The manifest's scorings must have a name and the default topic (scores-<name>): write it without --properties and rename topics with application_properties.feature_topics."
  }
}

variable "bootstrap_servers" {
  description = "The cluster's bootstrap servers for the selected auth mode; used when application_properties.kafka.bootstrap_servers is null."
  type        = string
  default     = null
}

variable "offline_path" {
  description = "Where Parquet goes (s3a://bucket/prefix) when application_properties.offline.path is null; null and no path there leaves the offline group out."
  type        = string
  default     = null
}

variable "transactional_id_prefix" {
  description = "The Kafka sinks' transactional id prefix when application_properties.kafka_sink.transactional_id_prefix is null (must be unique per application on the cluster, e.g. the application name)."
  type        = string
  default     = "msk-flink-features"
}

variable "scram_secret_arn" {
  description = "ARN of the Secrets Manager secret ({\"username\", \"password\"}) of the job's SCRAM user. null kafka.sasl_username / sasl_password become references to its username and password keys; the secret's value never enters the properties or the state. Validated by the flink_app module (AmazonMSK_* name)."
  type        = string
  default     = null
}

variable "scoring_endpoints" {
  description = "Scoring name -> name of the model endpoint the job calls for it (a SageMaker endpoint): written to the scoring property group as <scoring name>.endpoint = <endpoint name> (flink_jobs/features/scoring.py reads that group; a scoring without an endpoint does not run). Keys must be scorings of the manifest. A variable of its own, not an application_properties attribute: it also decides the role's SageMaker permission (modules/flink_app). Empty (the default): no endpoint keys (and no scoring group unless application_properties.scoring sets a limit)."
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
  validation {
    # The job refuses an endpoint for a scoring its pipeline lacks (compiler/statements.py).
    condition     = alltrue([for name in keys(var.scoring_endpoints) : contains(try([for s in var.manifest.scorings : s.name], []), name)])
    error_message = "scoring_endpoints keys must be scoring names of the manifest's pipeline (manifest.scorings[*].name)."
  }
}
