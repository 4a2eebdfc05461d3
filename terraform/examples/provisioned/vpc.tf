# A minimal private network: no internet gateway, no NAT. Managed Flink's ENIs reach S3 through a
# gateway endpoint and CloudWatch Logs / Metrics (and SageMaker Runtime, when the job scores)
# through interface endpoints; MSK stays private.

resource "aws_vpc" "this" {
  # checkov:skip=CKV2_AWS_11:Flow logs are left out of this minimal example VPC to keep its cost at the documented figure; enable them in a shared production VPC.
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.name }
}

# No rules: nothing may use the default security group.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id
}

resource "aws_subnet" "private" {
  count = length(var.availability_zone_ids)

  vpc_id               = aws_vpc.this.id
  cidr_block           = cidrsubnet(var.vpc_cidr, 4, count.index)
  availability_zone_id = var.availability_zone_ids[count.index]

  tags = { Name = "${var.name}-private-${var.availability_zone_ids[count.index]}" }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name}-private" }
}

resource "aws_route_table_association" "private" {
  count = length(var.availability_zone_ids)

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]

  tags = { Name = "${var.name}-s3" }
}

resource "aws_security_group" "endpoints" {
  name_prefix = "${var.name}-endpoints-"
  description = "Interface endpoints: HTTPS from inside the VPC"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${var.name}-endpoints" }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from the VPC"
  cidr_ipv4         = aws_vpc.this.cidr_block
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_vpc_endpoint" "interface" {
  # sagemaker.runtime (InvokeEndpoint) only when the job scores with a SageMaker endpoint.
  for_each = toset(concat(["logs", "monitoring"], local.scoring_enabled ? ["sagemaker.runtime"] : []))

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.private[*].id
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true

  tags = { Name = "${var.name}-${each.key}" }
}
