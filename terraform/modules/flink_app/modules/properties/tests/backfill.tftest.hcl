# Pure-module test (no provider): the backfill group (flink_jobs/config.py, group "backfill") is
# written exactly as given, left out for a live application, and refused where the job would refuse
# it at start (tests/terraform/test_contract.py parses the rendered group with the Python loader).

variables {
  bootstrap_servers       = "b-1.features:9098"
  transactional_id_prefix = "features"
  offline_path            = "s3a://lake/msk-flink-features"
  manifest = {
    format       = 1
    pipeline     = "fraud"
    sources      = [{ name = "transactions", topic = "transactions", versioned = false }]
    feature_sets = [{ name = "txn_1m", topic = "features-txn-1m" }, { name = "txn_1h", topic = "features-txn-1h" }]
  }
}

run "live_application_has_no_backfill_group" {
  command = plan

  assert {
    condition     = output.backfill == null && !contains(keys(output.property_groups), "backfill")
    error_message = "Without application_properties.backfill there is no backfill group."
  }
}

run "backfill_group_as_given" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-08T00:00:00.500Z", feature_sets = "txn_1m,txn_1h", run = "2026-11-week1", lookback_seconds = 7200 }
    }
  }

  assert {
    condition = output.property_groups["backfill"] == {
      from               = "2026-11-01T00:00:00Z"
      to                 = "2026-11-08T00:00:00.500Z"
      "feature.sets"     = "txn_1m,txn_1h"
      run                = "2026-11-week1"
      "lookback.seconds" = "7200"
    }
    error_message = "The backfill group must hold exactly the given keys and values."
  }
}

run "backfill_optional_keys_left_out" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" }
    }
  }

  assert {
    condition     = output.backfill == { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" }
    error_message = "Unset feature_sets, run and lookback_seconds leave their keys out (the loader's defaults)."
  }
}

run "backfill_range_reversed_refused" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-08T00:00:00Z", to = "2026-11-01T00:00:00Z" }
    }
  }

  expect_failures = [var.application_properties]
}

run "backfill_instant_without_zone_refused" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00", to = "2026-11-02T00:00:00Z" }
    }
  }

  expect_failures = [var.application_properties]
}

run "backfill_unknown_feature_set_refused" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z", feature_sets = "txn_1m,txn_2h" }
    }
  }

  expect_failures = [var.application_properties]
}

run "backfill_run_name_refused" {
  command = plan

  variables {
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z", run = "week 1/../x" }
    }
  }

  expect_failures = [var.application_properties]
}

run "backfill_needs_the_offline_path" {
  command = plan

  variables {
    offline_path = null
    application_properties = {
      backfill = { from = "2026-11-01T00:00:00Z", to = "2026-11-02T00:00:00Z" }
    }
  }

  expect_failures = [var.application_properties]
}
