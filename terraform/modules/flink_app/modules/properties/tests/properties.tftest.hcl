# Pure-module test (no provider): the secret-reference rule of kafka.sasl_password,
# ssl_keystore_password and ssl_key_password. The pattern's last part is the JSON key of the secret:
# no ':', '$', '{', '}' or white space (tests/terraform runs this file before and after any change of
# how the pattern is written, so a rewrite that parses better must accept and refuse the same values).

variables {
  bootstrap_servers       = "b-1.features:9098"
  transactional_id_prefix = "features"
  manifest = {
    format       = 1
    pipeline     = "fraud"
    sources      = [{ name = "transactions", topic = "transactions", versioned = false }]
    feature_sets = [{ name = "txn_1m", topic = "features-txn-1m" }]
  }
}

run "secret_references_accepted" {
  command = plan

  variables {
    application_properties = {
      kafka = {
        auth                  = "mtls"
        ssl_keystore_location = "keystore.jks"
        ssl_keystore_password = "secretsmanager:features/keystore:keystore_password"
        ssl_key_password      = "secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:ks-AbCdEf:key.password"
      }
    }
  }

  assert {
    condition     = output.property_groups["kafka"]["ssl.keystore.password"] == "secretsmanager:features/keystore:keystore_password"
    error_message = "A secretsmanager:<name>:<key> reference must be accepted and written as it is."
  }
}

run "literal_password_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "a-literal-password" } } # refused-literal: the run expects this value to fail
  }
  expect_failures = [var.application_properties]
}

run "dollar_in_key_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:pass$word" } }
  }
  expect_failures = [var.application_properties]
}

run "open_brace_in_key_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:pass{word" } }
  }
  expect_failures = [var.application_properties]
}

run "close_brace_in_key_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:pass}word" } }
  }
  expect_failures = [var.application_properties]
}

run "interpolation_like_key_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:$${env}" } }
  }
  expect_failures = [var.application_properties]
}

run "space_in_key_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:pass word" } }
  }
  expect_failures = [var.application_properties]
}

run "trailing_colon_refused" {
  command = plan
  variables {
    application_properties = { kafka = { auth = "scram", sasl_username = "flink", sasl_password = "secretsmanager:s:key:" } }
  }
  expect_failures = [var.application_properties]
}
