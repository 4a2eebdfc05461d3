terraform {
  # Validations that refer to other variables (application_properties <-> manifest, scram_secret_arn)
  # need 1.9.
  required_version = ">= 1.9"
}
