# Pure-module test (no provider): the scoring group, <scoring name>.endpoint = the endpoint the job
# calls for that scoring (flink_jobs/features/scoring.py), written only for the scorings given one,
# plus its limits from application_properties.scoring; each scoring of the manifest has its scores
# topic (scores-<name>, or feature_topics[name]).

variables {
  bootstrap_servers       = "b-1.features:9098"
  transactional_id_prefix = "features"
  manifest = {
    format       = 1
    pipeline     = "fraud"
    sources      = [{ name = "transactions", topic = "transactions", versioned = false }]
    feature_sets = [{ name = "txn_features", topic = "features-txn-features" }]
    scorings     = [{ name = "fraud_score", topic = "scores-fraud-score" }, { name = "churn", topic = "scores-churn" }]
  }
}

run "no_scoring_group_by_default" {
  command = plan

  assert {
    condition     = !contains(keys(output.property_groups), "scoring") && length(output.scoring_endpoints) == 0
    error_message = "Without scoring_endpoints there is no scoring group."
  }
  assert {
    condition     = [for t in output.topics : t.name if t.role == "scores"] == ["scores-fraud-score", "scores-churn"] && contains(output.output_topics, "scores-churn")
    error_message = "Each scoring of the manifest has its scores topic, after the feature topics, among the topics the job writes."
  }
}

run "scoring_group" {
  command = plan

  variables {
    scoring_endpoints = { fraud_score = "features-fraud-score", churn = "churn-v2" }
  }

  assert {
    condition     = output.property_groups["scoring"] == { "fraud_score.endpoint" = "features-fraud-score", "churn.endpoint" = "churn-v2" }
    error_message = "One <scoring name>.endpoint key per scoring, its value the endpoint's name."
  }
  assert {
    condition     = [for g in jsondecode(output.application_properties_json) : g.PropertyMap if g.PropertyGroupId == "scoring"] == [{ "churn.endpoint" = "churn-v2", "fraud_score.endpoint" = "features-fraud-score" }]
    error_message = "The properties document carries the same scoring group."
  }
}

run "limits_and_renamed_scores_topic" {
  command = plan

  variables {
    scoring_endpoints = { fraud_score = "features-fraud-score" }
    application_properties = {
      scoring        = { region = "eu-west-1", max_in_flight = 64, attempt_timeout_ms = 1500, max_attempts = 2, backoff_ms = 50 }
      feature_topics = { fraud_score = "online-fraud-score" }
    }
  }

  assert {
    condition = output.property_groups["scoring"] == {
      "fraud_score.endpoint" = "features-fraud-score"
      "region"               = "eu-west-1"
      "max.in.flight"        = "64"
      "attempt.timeout.ms"   = "1500"
      "max.attempts"         = "2"
      "backoff.ms"           = "50"
    }
    error_message = "The scoring group holds the endpoint keys and the given limits."
  }
  assert {
    condition     = contains(output.output_topics, "online-fraud-score") && !contains(output.output_topics, "scores-fraud-score")
    error_message = "feature_topics renames a scoring's topic as it does a feature set's."
  }
}

run "unknown_scoring_refused" {
  command = plan
  variables {
    scoring_endpoints = { risk = "risk-endpoint" }
  }
  expect_failures = [var.scoring_endpoints]
}

run "scoring_limit_out_of_range_refused" {
  command = plan
  variables {
    application_properties = { scoring = { max_attempts = 11 } }
  }
  expect_failures = [var.application_properties]
}

run "endpoint_name_with_underscore_refused" {
  command = plan
  variables {
    scoring_endpoints = { fraud_score = "fraud_score" }
  }
  expect_failures = [var.scoring_endpoints]
}
