# Mock-provider test of modules/kms as a root module.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name = "features"
}

run "key" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true && aws_kms_alias.this.name == "alias/features"
    error_message = "A rotating key with alias/<name>."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.key_policy.statement : s.sid] == ["AccountIamPolicies", "CloudWatchLogs", "CloudWatchAlarmsToEncryptedSns"]
    error_message = "The key policy: account IAM policies, CloudWatch Logs, CloudWatch alarms to SNS."
  }
  assert {
    condition     = tolist(one(one([for s in data.aws_iam_policy_document.key_policy.statement : s if s.sid == "CloudWatchLogs"]).condition).values) == tolist(["arn:aws:logs:us-east-1:123456789012:log-group:*"])
    error_message = "CloudWatch Logs may use the key only for this account's log groups in this region."
  }
}
