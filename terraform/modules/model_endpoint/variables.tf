variable "name" {
  description = "Name of the SageMaker endpoint (the 'EndpointName' dimension of its AWS/SageMaker metrics, and what the Flink job calls InvokeEndpoint on); the model and the endpoint configuration are named <name>-<content hash>. Lower-case letters, digits and hyphens, at most 52 characters: SageMaker writes endpoint ARNs with the name in lower case, so a lower-case name is the same in the ARN, the IAM policies and the log group /aws/sagemaker/Endpoints/<name>."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9](-*[a-z0-9]){0,51}$", var.name))
    error_message = "name must be 1 to 52 lower-case letters, digits or hyphens, starting and ending with a letter or digit (SageMaker's endpoint name pattern, lower case, leaving room for the -<hash> of the model and endpoint configuration names, at most 63 characters)."
  }
}

variable "model_data_url" {
  description = "S3 URI of the model artifact, a gzip-compressed tar archive as SageMaker's CreateModel expects (ModelDataUrl), e.g. s3://my-bucket/models/risk_score/model.tar.gz holding an XGBoost model saved by `msk-features train`. The execution role may read this one object and nothing else."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+\\.tar\\.gz$", var.model_data_url))
    error_message = "model_data_url must be s3://<bucket>/<key>.tar.gz, e.g. s3://my-bucket/models/risk_score/model.tar.gz."
  }
}

variable "model_data_kms_key_arn" {
  description = "KMS key the artifact's object is encrypted with (SSE-KMS, e.g. the stack's key when the artifact is in its artifact bucket): the execution role may kms:Decrypt with it through S3 only. null: the object is not encrypted with a customer-managed key."
  type        = string
  default     = null
}

variable "image_uri" {
  description = "Inference container image. null (the default) is SageMaker's built-in XGBoost image for the provider's region, sagemaker-xgboost:<xgboost_image_tag>, whose registry account per region the aws_sagemaker_prebuilt_ecr_image data source knows (e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5). Only SageMaker-owned images: SageMaker pulls them with its own credentials, so the execution role has no ECR permission; an image in a private ECR repository would need them."
  type        = string
  default     = null

  validation {
    condition     = var.image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or digest, e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5."
  }
}

variable "xgboost_image_tag" {
  description = "Tag of SageMaker's built-in XGBoost image when image_uri is null: a supported version such as 3.0-5 (SageMaker's XGBoost documentation: the XGBoost image has no :1 or :latest tag; the version must match the one the model was trained with). The default is the image msk-features train's models are made for: it trains with xgboost 3.0.5, what the 3.0-5 image installs (aws/sagemaker-xgboost-container, docker/3.0-5/base/Dockerfile.cpu: XGBOOST_VERSION=3.0.5)."
  type        = string
  default     = "3.0-5"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+-[0-9]+$", var.xgboost_image_tag))
    error_message = "xgboost_image_tag must be an XGBoost image version such as 3.0-5 (not 1 or latest, which SageMaker's XGBoost image does not offer)."
  }
}

variable "endpoint_type" {
  description = "serverless (the default: SageMaker Serverless Inference, billed per request and duration, scales to zero; memory_size_in_mb and max_concurrency apply) or instance (a real-time endpoint on instance_type x initial_instance_count, billed per instance-hour)."
  type        = string
  default     = "serverless"

  validation {
    condition     = contains(["serverless", "instance"], var.endpoint_type)
    error_message = "endpoint_type must be serverless or instance."
  }
}

variable "memory_size_in_mb" {
  description = "Serverless endpoint memory: 1024, 2048, 3072, 4096, 5120 or 6144 MB (CreateEndpointConfig ServerlessConfig.MemorySizeInMB). Ignored for endpoint_type = instance."
  type        = number
  default     = 2048

  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.memory_size_in_mb)
    error_message = "memory_size_in_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144."
  }
}

variable "max_concurrency" {
  description = "Serverless endpoint: at most this many invocations at once (ServerlessConfig.MaxConcurrency, 1 to 200); more are throttled, and the job's scoring client retries them with backoff (the scoring group's max.attempts). Ignored for endpoint_type = instance."
  type        = number
  default     = 5

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 200 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "max_concurrency must be a whole number from 1 to 200."
  }
}

variable "instance_type" {
  description = "Instance endpoint: the ML instance type, e.g. ml.m5.large. Types with local NVMe storage (e.g. ml.m5d.*, ml.g4dn.*) refuse a KMS key on the endpoint configuration: pass kms_key_arn = null for them. Ignored for endpoint_type = serverless."
  type        = string
  default     = "ml.m5.large"

  validation {
    condition     = startswith(var.instance_type, "ml.")
    error_message = "instance_type must be a SageMaker ML instance type, e.g. ml.m5.large."
  }
}

variable "initial_instance_count" {
  description = "Instance endpoint: number of instances (at least 1; 2 or more spread them over availability zones). Ignored for endpoint_type = serverless."
  type        = number
  default     = 1

  validation {
    condition     = var.initial_instance_count >= 1 && floor(var.initial_instance_count) == var.initial_instance_count
    error_message = "initial_instance_count must be a whole number, at least 1."
  }
}

variable "variant_name" {
  description = "Name of the endpoint's one production variant (the 'VariantName' dimension of its metrics)."
  type        = string
  default     = "AllTraffic"

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.variant_name))
    error_message = "variant_name must be letters, digits and hyphens, at most 63 characters, starting with a letter or digit."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key of the endpoint configuration (CreateEndpointConfig KmsKeyId: the ML storage volume of an instance endpoint; the container image of a serverless one). The caller of terraform apply must be allowed to use it (SageMaker creates a grant). null only for instance types with local NVMe storage, which refuse a key."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
