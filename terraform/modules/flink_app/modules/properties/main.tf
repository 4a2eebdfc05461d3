# Pure module (no resources, no provider): turns the typed variable and the pipeline's manifest into
# the property groups that flink_jobs/config.py reads, and derives from them what IAM, monitoring and
# topic creation need (the topics, as flink_jobs.pipelines.pipeline_topics computes them).

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
        create_topics           = "create.topics"
      }
    }
    topics = {
      group = "topics"
      keys = {
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
        feature_sets            = "feature.sets"
        added_feature_sets      = "added.feature.sets"
        switch_over             = "switch.over"
      }
    }
    # The scoring group's fixed keys (flink_jobs.config ScoringConfig), minus endpoint.override,
    # access.key and secret.key, which only local SageMaker-protocol servers use. Its open keys,
    # <scoring name>.endpoint, come from var.scoring_endpoints (local.open_key_variables).
    scoring = {
      group = "scoring"
      keys = {
        region             = "region"
        max_in_flight      = "max.in.flight"
        attempt_timeout_ms = "attempt.timeout.ms"
        max_attempts       = "max.attempts"
        backoff_ms         = "backoff.ms"
      }
    }
    # Present only in a backfill application (docs/backfill.md): its presence makes main.py run the
    # backfill over the archive instead of the live job.
    backfill = {
      group = "backfill"
      keys = {
        from             = "from"
        to               = "to"
        feature_sets     = "feature.sets"
        run              = "run"
        lookback_seconds = "lookback.seconds"
      }
    }
  }

  # Groups whose keys are chosen by the user (flink_jobs.config.OPEN_GROUPS): attribute -> group id.
  open_groups = {
    feature_topics = "feature.topics"
  }

  # Open keys of a fixed group (flink_jobs.config.TOPICS_SOURCE_KEY): attribute -> group id. Each
  # key is a source name of the pipeline, its value that source's topic.
  open_keys = {
    source_topics = "topics"
  }

  # Open keys of a fixed group that come from a variable of their own (flink_jobs.config
  # SCORING_ENDPOINT_KEY): variable -> group id. Each key is <scoring name>.endpoint.
  open_key_variables = {
    scoring_endpoints = "scoring"
  }

  p = var.application_properties
  m = var.manifest

  # The pipeline's sources and feature sets (manifest order) with the topics the job will use:
  # a source reads source_topics[name], else the manifest's topic for it; a feature set writes
  # feature_topics[name], else features-<name with _ as -> (flink_jobs.topics.default_feature_topic).
  sources = [
    for s in local.m.sources : {
      name      = s.name
      topic     = lookup(local.p.source_topics, s.name, s.topic)
      versioned = tobool(s.versioned)
    }
  ]
  feature_sets = [
    for fs in local.m.feature_sets : {
      name  = fs.name
      topic = lookup(local.p.feature_topics, fs.name, "features-${replace(fs.name, "_", "-")}")
    }
  ]
  # Scorings write their scores topic, feature_topics[name], else scores-<name with _ as ->
  # (flink_jobs.topics.default_scores_topic); a manifest written before scorings has none.
  scorings = [
    for s in try(local.m.scorings, []) : {
      name  = s.name
      topic = lookup(local.p.feature_topics, s.name, "scores-${replace(s.name, "_", "-")}")
    }
  ]

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
    pipeline = merge(local.p.pipeline, {
      name = coalesce(local.p.pipeline.name, local.m.pipeline)
    })
    # null (a live application): every key null, so the group is left out below.
    backfill = local.p.backfill != null ? local.p.backfill : {
      from = null, to = null, feature_sets = null, run = null, lookback_seconds = null
    }
    scoring = local.p.scoring
  }

  fixed_groups = {
    for attr, spec in local.property_keys : spec.group => {
      for a, key in spec.keys : key => tostring(local.values[attr][a]) if local.values[attr][a] != null
    }
  }
  # The scoring group's open keys (flink_jobs/features/scoring.py): <scoring name>.endpoint = the
  # endpoint the job calls for that scoring; only the scorings given an endpoint run.
  scoring_keys = { for name, endpoint in var.scoring_endpoints : "${name}.endpoint" => endpoint }

  # Every source's topic is written (not only the renamed ones), so the job reads exactly the topics
  # the role may read even where the code's default for a source differs from the manifest's.
  source_topic_keys = { for s in local.sources : s.name => s.topic }
  property_groups = merge(
    { for group, property_map in local.fixed_groups : group => property_map if length(property_map) > 0 },
    { (local.open_keys.source_topics) = merge(local.fixed_groups[local.open_keys.source_topics], local.source_topic_keys) },
    length(local.p.feature_topics) > 0 ? { (local.open_groups.feature_topics) = local.p.feature_topics } : {},
    length(local.scoring_keys) > 0 ? { (local.open_key_variables.scoring_endpoints) = merge(local.fixed_groups[local.open_key_variables.scoring_endpoints], local.scoring_keys) } : {},
  )

  # The document Managed Flink writes to /etc/flink/application_properties.json.
  document = [
    for group in sort(keys(local.property_groups)) : {
      PropertyGroupId = group
      PropertyMap     = local.property_groups[group]
    }
  ]

  # Topics, in the order and with the values of flink_jobs.pipelines.pipeline_topics: the inputs in
  # source order (a versioned source's compacted, without retention), the dead-letter and
  # late-events topics, one topic per feature set.
  input_specs = [
    for s in local.sources : {
      name         = s.topic
      partitions   = local.p.topics.partitions
      compacted    = s.versioned
      retention_ms = s.versioned ? null : local.p.topics.retention_ms
      role         = "input"
      owner        = s.name
    }
  ]
  output_specs = concat(
    [
      for topic in [
        { name = local.p.topics.dead_letter, role = "dead_letter" },
        { name = local.p.topics.late_events, role = "late_events" },
      ] : merge(topic, { partitions = local.p.topics.partitions, compacted = false, retention_ms = local.p.topics.retention_ms, owner = null })
    ],
    [
      for fs in local.feature_sets : {
        name         = fs.topic
        partitions   = local.p.topics.partitions
        compacted    = false
        retention_ms = local.p.topics.retention_ms
        role         = "features"
        owner        = fs.name
      }
    ],
    [
      for s in local.scorings : {
        name         = s.topic
        partitions   = local.p.topics.partitions
        compacted    = false
        retention_ms = local.p.topics.retention_ms
        role         = "scores"
        owner        = s.name
      }
    ],
  )
  topic_specs   = concat(local.input_specs, local.output_specs)
  input_topics  = [for t in local.input_specs : t.name]
  output_topics = [for t in local.output_specs : t.name]

  offline_match = local.values.offline.path == null ? null : regex("^s3a://([^/]+)/?(.*)$", local.values.offline.path)
}
