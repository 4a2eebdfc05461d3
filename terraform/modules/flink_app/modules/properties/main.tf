# Pure module (no resources, no provider): turns the typed variable into the property groups that
# flink_jobs/config.py reads, and derives from them what IAM, monitoring and topic creation need.

locals {
  # Variable attribute -> (property group id, property key): exactly the groups and keys of
  # flink_jobs.config.PROPERTY_GROUPS, minus the offline s3.* keys that only local S3 servers use.
  # tests/terraform holds this table against the Python loader.
  property_keys = {
    run_options = {
      group = "kinesis.analytics.flink.run.options"
      keys = {
        python   = "python"
        jarfile  = "jarfile"
        py_files = "pyFiles"
      }
    }
    kafka = {
      group = "kafka"
      keys = {
        bootstrap_servers       = "bootstrap.servers"
        auth                    = "auth"
        group_id                = "group.id"
        sasl_username           = "sasl.username"
        sasl_password           = "sasl.password"
        ssl_truststore_location = "ssl.truststore.location"
        ssl_truststore_type     = "ssl.truststore.type"
        ssl_keystore_location   = "ssl.keystore.location"
        ssl_keystore_type       = "ssl.keystore.type"
        ssl_keystore_password   = "ssl.keystore.password"
        ssl_key_password        = "ssl.key.password"
        scan_startup_mode       = "scan.startup.mode"
        bounded                 = "bounded"
      }
    }
    topics = {
      group = "topics"
      keys = {
        transactions = "transactions"
        clicks       = "clicks"
        profiles     = "profiles"
        dead_letter  = "dead.letter"
        late_events  = "late.events"
        partitions   = "partitions"
        retention_ms = "retention.ms"
      }
    }
    kafka_sink = {
      group = "kafka.sink"
      keys = {
        delivery_guarantee      = "delivery.guarantee"
        transactional_id_prefix = "transactional.id.prefix"
        transaction_timeout_ms  = "transaction.timeout.ms"
      }
    }
    offline = {
      group = "offline"
      keys = {
        path = "path"
      }
    }
    pipeline = {
      group = "pipeline"
      keys = {
        name                    = "name"
        version                 = "version"
        watermark_delay_seconds = "watermark.delay.seconds"
        idle_timeout_seconds    = "idle.timeout.seconds"
        checkpoint_interval_ms  = "checkpoint.interval.ms"
        parallelism             = "parallelism"
      }
    }
  }

  # Groups whose keys are chosen by the user (flink_jobs.config.OPEN_GROUPS): attribute -> group id.
  open_groups = {
    feature_topics = "feature.topics"
  }

  p = var.application_properties

  scram_secret_ref = var.scram_secret_arn == null ? { username = null, password = null } : {
    username = "secretsmanager:${var.scram_secret_arn}:username"
    password = "secretsmanager:${var.scram_secret_arn}:password"
  }

  values = {
    run_options = local.p.run_options
    kafka = merge(local.p.kafka, {
      bootstrap_servers = try(coalesce(local.p.kafka.bootstrap_servers, var.bootstrap_servers), null)
      # References, resolved by the Kafka client at run time (flink_jobs/secret_refs.py).
      sasl_username = try(coalesce(local.p.kafka.sasl_username, local.scram_secret_ref.username), null)
      sasl_password = try(coalesce(local.p.kafka.sasl_password, local.scram_secret_ref.password), null)
    })
    topics = local.p.topics
    kafka_sink = merge(local.p.kafka_sink, {
      transactional_id_prefix = coalesce(local.p.kafka_sink.transactional_id_prefix, var.transactional_id_prefix)
    })
    offline = {
      path = try(coalesce(local.p.offline.path, var.offline_path), null)
    }
    pipeline = local.p.pipeline
  }

  fixed_groups = {
    for attr, spec in local.property_keys : spec.group => {
      for a, key in spec.keys : key => tostring(local.values[attr][a]) if local.values[attr][a] != null
    }
  }
  property_groups = merge(
    { for group, property_map in local.fixed_groups : group => property_map if length(property_map) > 0 },
    length(local.p.feature_topics) > 0 ? { (local.open_groups.feature_topics) = local.p.feature_topics } : {},
  )

  # The document Managed Flink writes to /etc/flink/application_properties.json.
  document = [
    for group in sort(keys(local.property_groups)) : {
      PropertyGroupId = group
      PropertyMap     = local.property_groups[group]
    }
  ]

  # Topics, as flink_jobs.config.TopicsConfig.specs(feature_sets) computes them.
  feature_topics = [
    for name in var.feature_sets : lookup(local.p.feature_topics, name, "features-${replace(name, "_", "-")}")
  ]
  input_topics  = [local.p.topics.transactions, local.p.topics.clicks, local.p.topics.profiles]
  output_topics = concat([local.p.topics.dead_letter, local.p.topics.late_events], local.feature_topics)
  topic_specs = concat(
    [{ name = local.p.topics.profiles, partitions = local.p.topics.partitions, compacted = true, retention_ms = null }],
    [
      for name in concat([local.p.topics.transactions, local.p.topics.clicks], local.output_topics) : {
        name = name, partitions = local.p.topics.partitions, compacted = false, retention_ms = local.p.topics.retention_ms
      }
    ],
  )

  offline_match = local.values.offline.path == null ? null : regex("^s3a://([^/]+)/?(.*)$", local.values.offline.path)
}
