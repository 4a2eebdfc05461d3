# Mock-provider test of modules/flink_app as a root module, so that the plan's resources and the IAM
# policy document's statements can be asserted directly. Runtime: var.runtime_environment
# (FLINK-2_2 by default; pass -var=runtime_environment=FLINK-1_20 to a provider older than 6.40).

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/features" }
  }
  mock_resource "aws_cloudwatch_log_stream" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesis-analytics/features:log-stream:application" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/features-flink-mock" }
  }
  mock_resource "aws_s3_object" {
    defaults = { version_id = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0aaaaaaaaaaaaaaaa" }
  }
  mock_resource "aws_kinesisanalyticsv2_application" {
    defaults = { arn = "arn:aws:kinesisanalytics:us-east-1:123456789012:application/features" }
  }
}

variables {
  name                     = "features"
  code_zip_path            = "../../../tests/terraform/fixtures/msk-flink-features-test.zip"
  code_bucket_name         = "artifacts"
  code_bucket_arn          = "arn:aws:s3:::artifacts"
  kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-444455556666"
  lake_bucket_name         = "lake"
  msk_cluster_arn          = "arn:aws:kafka:us-east-1:123456789012:cluster/features/uuid-1"
  bootstrap_servers        = "b-1.features:9098,b-2.features:9098"
  vpc_id                   = "vpc-0123456789abcdef0"
  subnet_ids               = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  broker_security_group_id = "sg-0bbbbbbbbbbbbbbbb"
  egress_https_cidr_blocks = ["10.42.0.0/16"]
  # The reference pipeline's manifest (tests/terraform holds it equal to the Python spec).
  manifest = jsondecode(file("../../examples/serverless/fraud.manifest.json"))
}

run "iam_defaults" {
  command = apply

  assert {
    condition     = aws_kinesisanalyticsv2_application.this.runtime_environment == var.runtime_environment
    error_message = "runtime_environment must be passed through."
  }
  assert {
    condition     = aws_s3_object.code[0].key == "flink/msk-flink-features-test-${filesha256(var.code_zip_path)}.zip" && aws_s3_object.code[0].server_side_encryption == "aws:kms"
    error_message = "The zip goes under a content-hash key, SSE-KMS."
  }
  assert {
    condition     = one(aws_kinesisanalyticsv2_application.this.application_configuration[0].application_code_configuration[0].code_content[0].s3_content_location).file_key == aws_s3_object.code[0].key && one(aws_kinesisanalyticsv2_application.this.application_configuration[0].application_code_configuration[0].code_content[0].s3_content_location).object_version == aws_s3_object.code[0].version_id
    error_message = "The application must run the uploaded object (key and version)."
  }
  assert {
    condition     = length(aws_kinesisanalyticsv2_application.this.application_configuration[0].environment_properties[0].property_group) == 6
    error_message = "Six property groups expected (no feature.topics overrides)."
  }
  assert {
    condition     = aws_kinesisanalyticsv2_application.this.application_configuration[0].application_snapshot_configuration[0].snapshots_enabled == true
    error_message = "Snapshots must be enabled by default."
  }
  assert {
    condition     = aws_kinesisanalyticsv2_application.this.application_configuration[0].flink_application_configuration[0].parallelism_configuration[0].parallelism_per_kpu == 1 && aws_kinesisanalyticsv2_application.this.application_configuration[0].flink_application_configuration[0].parallelism_configuration[0].auto_scaling_enabled == false
    error_message = "Parallelism per KPU 1 and no autoscaling by default."
  }
  assert {
    condition     = aws_kinesisanalyticsv2_application.this.cloudwatch_logging_options[0].log_stream_arn == aws_cloudwatch_log_stream.this.arn && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "The application logs to its own KMS-encrypted log group."
  }
  assert {
    condition     = aws_kinesisanalyticsv2_application.this.start_application == false
    error_message = "The application must not start before the topics exist."
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.brokers[0].from_port == 9098 && aws_vpc_security_group_egress_rule.brokers[0].referenced_security_group_id == var.broker_security_group_id
    error_message = "IAM auth: egress to the brokers' security group on 9098 only."
  }

  # The topics: with the default topics properties, exactly the manifest's list (same order, sizes).
  assert {
    condition     = jsonencode(output.topics) == jsonencode(var.manifest.topics)
    error_message = "With default topic properties the module's topics must equal the manifest's topics."
  }
  assert {
    condition     = output.input_topics == [for s in var.manifest.sources : s.topic] && output.pipeline == "fraud"
    error_message = "The input topics are the manifest's sources' topics, in order; the pipeline is the manifest's."
  }
  assert {
    condition     = module.properties.property_groups["topics"] == { "transactions" = "transactions", "clicks" = "clicks", "profiles" = "profiles", "labels" = "labels", "dead.letter" = "dead-letter", "late.events" = "late-events", "partitions" = "3", "retention.ms" = "604800000" }
    error_message = "The topics group names every source's topic and the fixed keys."
  }

  # Least privilege: kafka-cluster actions on exactly the cluster, topics, group and transactional ids.
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaReadInputTopics"])) == toset([
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/transactions",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/clicks",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/profiles",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/labels",
    ])
    error_message = "The role may read exactly the four input topics."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaWriteOutputTopics"])) == toset([
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/dead-letter",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/late-events",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/features-txn-1m",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/features-txn-1h",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/features-session",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/features-txn-features",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/scores-fraud-score",
    ])
    error_message = "The role may write exactly the dead-letter, late-events, feature and scores topics."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaConsumerGroup"]) == ["arn:aws:kafka:us-east-1:123456789012:group/features/uuid-1/msk-flink-features"]
    error_message = "The role may use exactly the job's consumer group."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaTransactionalIds"]) == ["arn:aws:kafka:us-east-1:123456789012:transactional-id/features/uuid-1/features-*"]
    error_message = "The role may use exactly the transactional ids <application name>-*."
  }
  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "LakeObjects"])) == toset(["arn:aws:s3:::lake/msk-flink-features", "arn:aws:s3:::lake/msk-flink-features/*"])
    error_message = "S3 object access must be scoped to the lake prefix."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ReadApplicationCode"]) == ["arn:aws:s3:::artifacts/${aws_s3_object.code[0].key}"]
    error_message = "The role may read exactly the uploaded zip."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid if contains(s.resources, "*")] == ["VpcNetworkInterfaces"]
    error_message = "Only the EC2 network-interface statement of VPC mode may have a * resource."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if contains(s.actions, "kafka-cluster:CreateTopic")]) == 0 && aws_kinesisanalyticsv2_application.this.name == "features"
    error_message = "By default (job_creates_topics = false) the role may not create topics."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if anytrue([for a in s.actions : startswith(a, "sagemaker:")])]) == 0 && !contains(keys(module.properties.property_groups), "scoring") && length(output.scoring_endpoint_arns) == 0
    error_message = "Without scoring_endpoints: no SageMaker permission and no scoring group."
  }
}

# Scoring with a SageMaker endpoint: the scoring group names it, and the role may invoke exactly that
# endpoint, by the ARN SageMaker writes (the name in lower case).
run "scoring_endpoint" {
  command = plan

  variables {
    scoring_endpoints = { fraud_score = "Features-Fraud-Score" }
  }

  assert {
    condition     = module.properties.property_groups["scoring"] == { "fraud_score.endpoint" = "Features-Fraud-Score" }
    error_message = "The scoring group holds <scoring name>.endpoint = the endpoint's name, as given."
  }
  assert {
    condition = [
      for s in data.aws_iam_policy_document.this.statement : { actions = s.actions, resources = s.resources }
      if anytrue([for a in s.actions : startswith(a, "sagemaker:")])
      ] == [{
        actions   = toset(["sagemaker:InvokeEndpoint"])
        resources = toset(["arn:aws:sagemaker:us-east-1:123456789012:endpoint/features-fraud-score"])
    }]
    error_message = "Exactly one SageMaker statement: sagemaker:InvokeEndpoint on the endpoint's ARN, name in lower case."
  }
  assert {
    condition     = length(aws_kinesisanalyticsv2_application.this.application_configuration[0].environment_properties[0].property_group) == 7 && contains(keys(jsondecode(output.application_properties_json)[index([for g in jsondecode(output.application_properties_json) : g.PropertyGroupId], "scoring")].PropertyMap), "fraud_score.endpoint")
    error_message = "The application and its properties document carry the scoring group."
  }
}

run "scoring_name_refused" {
  command = plan

  variables {
    scoring_endpoints = { "fraud-score" = "features-fraud-score" }
  }

  expect_failures = [var.scoring_endpoints]
}

run "endpoint_name_refused" {
  command = plan

  variables {
    scoring_endpoints = { fraud_score = "features_fraud_score" }
  }

  expect_failures = [var.scoring_endpoints]
}

# MSK Serverless has no topic API: the job creates its missing topics at start, and the role may
# create and describe exactly the manifest's topics
# (arn:aws:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>).
run "job_creates_topics" {
  command = plan

  variables {
    job_creates_topics = true
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "KafkaCreateOwnTopics" && toset(s.actions) == toset(["kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic"])]) == 1
    error_message = "One KafkaCreateOwnTopics statement with exactly kafka-cluster:CreateTopic and DescribeTopic."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"])) == toset([
      for t in jsondecode(file("../../examples/serverless/fraud.manifest.json")).topics : "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/${t.name}"
    ]) && length(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"])) == 11
    error_message = "The role may create exactly the manifest's 11 topics, each by its full topic ARN (no wildcard)."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid if contains(s.actions, "kafka-cluster:CreateTopic")] == ["KafkaCreateOwnTopics"]
    error_message = "No other statement may grant kafka-cluster:CreateTopic."
  }
  assert {
    condition     = module.properties.property_groups["kafka"]["create.topics"] == "true"
    error_message = "job_creates_topics also writes kafka.create.topics = true, so the job creates its missing topics."
  }
  assert {
    condition     = output.job_creates_topics == true && toset(output.topic_arns) == toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"]))
    error_message = "The outputs report the switch and the topic ARNs the role names."
  }
}

run "job_creates_renamed_topics" {
  command = plan

  variables {
    job_creates_topics = true
    application_properties = {
      source_topics  = { transactions = "payments" }
      feature_topics = { txn_1m = "online-txn-1m" }
    }
  }

  assert {
    condition = (
      contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"]), "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/payments") &&
      contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"]), "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/online-txn-1m") &&
      !contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaCreateOwnTopics"]), "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/transactions")
    )
    error_message = "Renamed topics are the ones the role may create; the manifest's default names are not."
  }
}

run "source_topic_override" {
  command = plan

  variables {
    application_properties = {
      source_topics  = { profiles = "user-profiles" }
      feature_topics = { txn_1m = "online-txn-1m" }
    }
  }

  assert {
    condition     = module.properties.property_groups["topics"]["profiles"] == "user-profiles" && module.properties.property_groups["feature.topics"] == tomap({ txn_1m = "online-txn-1m" })
    error_message = "source_topics goes into the topics group under the source name, feature_topics into feature.topics."
  }
  assert {
    condition     = output.input_topics == ["transactions", "clicks", "user-profiles", "labels"] && output.source_topics["profiles"] == "user-profiles"
    error_message = "The renamed source topic replaces the manifest's, in the same position."
  }
  assert {
    condition     = output.topics[2].name == "user-profiles" && output.topics[2].compacted == true && output.topics[2].retention_ms == null && output.topics[2].owner == "profiles"
    error_message = "The versioned source's renamed topic stays compacted, without retention."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaReadInputTopics"])) == toset([
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/transactions",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/clicks",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/user-profiles",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/labels",
    ])
    error_message = "The role may read the renamed topic instead of the manifest's."
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaWriteOutputTopics"]), "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/online-txn-1m")
    error_message = "The role may write the renamed feature topic."
  }
}

run "another_pipeline" {
  command = plan

  # The module is not tied to the fraud pipeline: any manifest gives its own topics and permissions.
  variables {
    manifest = {
      format   = 1
      pipeline = "orders"
      sources = [
        { name = "orders", topic = "orders-v2", versioned = false },
        { name = "customers", topic = "customers", versioned = true },
      ]
      feature_sets = [{ name = "order_1m", topic = "features-order-1m" }]
    }
  }

  assert {
    condition     = output.input_topics == ["orders-v2", "customers"] && output.output_topics == ["dead-letter", "late-events", "features-order-1m"]
    error_message = "Inputs are the manifest's sources' topics; outputs the dead letter, late events and one per feature set."
  }
  assert {
    condition     = [for t in output.topics : t.compacted] == [false, true, false, false, false] && output.topics[1].retention_ms == null
    error_message = "Only the versioned source's topic is compacted."
  }
  assert {
    condition     = module.properties.property_groups["pipeline"]["name"] == "orders" && module.properties.property_groups["topics"]["orders"] == "orders-v2" && module.properties.property_groups["topics"]["customers"] == "customers"
    error_message = "The pipeline name and the source topics come from the manifest."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "KafkaReadInputTopics"])) == toset([
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/orders-v2",
      "arn:aws:kafka:us-east-1:123456789012:topic/features/uuid-1/customers",
    ])
    error_message = "The role may read exactly the manifest's input topics."
  }
}

run "manifest_format_must_be_1" {
  command = plan

  variables {
    manifest = { format = 2, pipeline = "fraud", sources = [], feature_sets = [] }
  }

  expect_failures = [var.manifest]
}

run "scram_auth_no_kafka_cluster_iam" {
  command = plan

  variables {
    bootstrap_servers = "b-1.features:9096"
    scram_secret = {
      arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-9999-2222-3333-444455556666"
    }
    application_properties = {
      kafka = { auth = "scram" }
    }
  }

  assert {
    condition     = module.properties.property_groups["kafka"]["sasl.password"] == "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf:password"
    error_message = "SCRAM: the password property is a reference to the secret's password key, not a value."
  }
  assert {
    condition     = module.properties.property_groups["kafka"]["sasl.username"] == "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:AmazonMSK_features_flink-AbCdEf:username"
    error_message = "SCRAM: the user name comes from the same secret."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadScramSecret" && length(s.resources) == 1 && contains(s.resources, var.scram_secret.arn) && length(s.actions) == 1 && contains(s.actions, "secretsmanager:GetSecretValue")]) == 1
    error_message = "SCRAM: the role may read exactly the SCRAM secret."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "DecryptScramSecret" && length(s.resources) == 1 && contains(s.resources, var.scram_secret.kms_key_arn) && length(s.actions) == 1 && contains(s.actions, "kms:Decrypt")]) == 1
    error_message = "SCRAM: the role may decrypt with the secret's KMS key (through Secrets Manager)."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.brokers[0].from_port == 9096
    error_message = "SCRAM: egress to the brokers on 9096."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if startswith(coalesce(s.sid, "-"), "Kafka")]) == 0
    error_message = "SCRAM auth uses no kafka-cluster IAM permissions."
  }
}

run "iam_auth_reads_no_secret" {
  command = plan

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if contains(["ReadScramSecret", "DecryptScramSecret"], coalesce(s.sid, "-"))]) == 0
    error_message = "Without scram_secret the role reads no secret."
  }
}

run "scram_secret_must_be_an_msk_secret" {
  command = plan

  variables {
    scram_secret = {
      arn         = "arn:aws:secretsmanager:us-east-1:123456789012:secret:flink-password-AbCdEf"
      kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-9999-2222-3333-444455556666"
    }
  }

  expect_failures = [var.scram_secret]
}

run "missing_zip_fails_with_a_hint" {
  command = plan

  variables {
    code_zip_path = "no-such-build.zip"
  }

  expect_failures = [aws_s3_object.code[0]]
}

# A backfill application (docs/backfill.md): another instance's zip, the backfill group, and a role
# that may read the archive and write under backfill/ only, with no Kafka permission at all.
run "backfill_application" {
  command = apply

  variables {
    name          = "features-backfill-2026-11-week1"
    code_zip_path = null
    code_object   = { key = "flink/msk-flink-features-0.1.0-abc.zip", version_id = "v-live" }
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-08T00:00:00Z", feature_sets = "txn_1h,txn_features", run = "2026-11-week1" }
    }
  }

  assert {
    condition     = length(aws_s3_object.code) == 0 && output.code_uploaded == false
    error_message = "With code_object the module uploads nothing."
  }
  assert {
    condition     = one(aws_kinesisanalyticsv2_application.this.application_configuration[0].application_code_configuration[0].code_content[0].s3_content_location).file_key == "flink/msk-flink-features-0.1.0-abc.zip" && one(aws_kinesisanalyticsv2_application.this.application_configuration[0].application_code_configuration[0].code_content[0].s3_content_location).object_version == "v-live"
    error_message = "The application must run code_object (key and version)."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "ReadApplicationCode"]) == ["arn:aws:s3:::artifacts/flink/msk-flink-features-0.1.0-abc.zip"]
    error_message = "The role may read exactly code_object."
  }
  assert {
    condition     = output.backfill == { from = "2026-11-01T00:00:00Z", to = "2026-11-08T00:00:00Z", "feature.sets" = "txn_1h,txn_features", run = "2026-11-week1" }
    error_message = "The backfill group must hold exactly the given keys and values."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if anytrue([for a in s.actions : startswith(a, "kafka-cluster:")]) || contains(s.actions, "secretsmanager:GetSecretValue")]) == 0
    error_message = "A backfill reads and writes no Kafka topic: no kafka-cluster permission."
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.brokers) == 0
    error_message = "A backfill's security group has no rule to the brokers."
  }
  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "LakeObjects"]) == 0
    error_message = "A backfill gets no read-write access to the whole lake prefix."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "LakeReadArchive"]) == ["arn:aws:s3:::lake/msk-flink-features/events/*"] && flatten([for s in data.aws_iam_policy_document.this.statement : s.actions if s.sid == "LakeReadArchive"]) == ["s3:GetObject"]
    error_message = "A backfill may read the archive, <prefix>/events/*, and nothing else of the lake."
  }
  assert {
    condition     = toset(flatten([for s in data.aws_iam_policy_document.this.statement : s.resources if s.sid == "LakeWriteBackfill"])) == toset(["arn:aws:s3:::lake/msk-flink-features/backfill", "arn:aws:s3:::lake/msk-flink-features/backfill/*"])
    error_message = "A backfill may write and delete under <prefix>/backfill/ only."
  }
}

run "code_zip_or_code_object" {
  command = plan

  variables {
    code_object = { key = "flink/other.zip", version_id = "v1" }
  }

  expect_failures = [var.code_object]
}
