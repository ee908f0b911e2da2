variable "name" {
  description = "The function's name in AWS (enbek-<stage>-<function>)."
  type        = string
}

variable "description" {
  type    = string
  default = ""
}

variable "zip" {
  description = "Path of the function's bootstrap.zip (cargo lambda build --release --output-format zip)."
  type        = string
}

variable "architecture" {
  type = string
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory" {
  type = number
}

variable "timeout" {
  type = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrency, or -1 for none (unreserved)."
  type        = number
  default     = -1
}

variable "environment" {
  type    = map(string)
  default = {}
}

variable "statements" {
  description = "The IAM statements of the function's ports: the only permissions it gets besides its own logs and X-Ray."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
}

variable "log_level" {
  type    = string
  default = "info"
}

variable "log_retention_days" {
  type = number
}

variable "tags" {
  type    = map(string)
  default = {}
}
