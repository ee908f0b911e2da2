"""After `terraform apply` of infra/ against moto: reads back with the AWS SDK (boto3) what was
created and checks it against what the functions expect (infra/resources.json, the functions'
configuration). Exits non-zero with every mismatch listed.

Usage: check_apply.py <endpoint> <stage> <outputs.json>
"""

import json
import sys

import boto3

endpoint, stage, outputs_file = sys.argv[1], sys.argv[2], sys.argv[3]
outputs = {k: v["value"] for k, v in json.load(open(outputs_file)).items()}
resources = json.load(open(__file__.rsplit("/", 2)[0] + "/resources.json"))
prefix = f"enbek-{stage}"
failures = []


passed = 0


def check(condition, what):
    global passed
    if condition:
        passed += 1
    else:
        print("FAIL " + what)
        failures.append(what)


def client(service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")


# The table: keys, every index, TTL, point-in-time recovery, encryption, on-demand billing.
ddb = client("dynamodb")
table = ddb.describe_table(TableName=prefix)["Table"]
keys = {k["KeyType"]: k["AttributeName"] for k in table["KeySchema"]}
check(keys == {"HASH": resources["table"]["hash_key"], "RANGE": resources["table"]["range_key"]}, f"table {prefix} keys {keys}")
indexes = {i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]} for i in table.get("GlobalSecondaryIndexes", [])}
for want in resources["table"]["indexes"]:
    got = indexes.get(want["name"])
    check(got == {"HASH": want["hash_key"], "RANGE": want["range_key"]}, f"index {want['name']} keys {got}")
check(len(indexes) == len(resources["table"]["indexes"]), f"exactly the indexes of resources.json: {sorted(indexes)}")
check(table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "on-demand billing")
ttl = ddb.describe_time_to_live(TableName=prefix)["TimeToLiveDescription"]
check(ttl.get("TimeToLiveStatus") == "ENABLED" and ttl.get("AttributeName") == resources["table"]["ttl_attribute"], f"TTL {ttl}")
pitr = ddb.describe_continuous_backups(TableName=prefix)["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
check(pitr["PointInTimeRecoveryStatus"] == "ENABLED", "point-in-time recovery")
check(table.get("SSEDescription", {}).get("Status") in ("ENABLED", "ENABLING"), f"server-side encryption {table.get('SSEDescription')}")

# The bucket: versioned, encrypted, public access blocked, TLS only, CORS, lifecycle.
s3 = client("s3")
bucket = f"{prefix}-{resources['bucket']['suffix']}"
check(outputs["bucket_name"] == bucket, f"bucket name {outputs['bucket_name']}")
check(s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", "bucket versioning")
rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
check(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", "bucket encryption")
block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
check(all(block[k] for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), f"public access block {block}")
policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
tls = [s for s in policy["Statement"] if s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))]
check(len(tls) == 1, "TLS-only bucket policy")
cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
check("PUT" in cors[0]["AllowedMethods"] and "content-type" in cors[0]["AllowedHeaders"], "CORS for presigned uploads")
lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
check({r["ID"] for r in lifecycle} == {"incomplete-uploads", "old-versions", "exports"}, f"lifecycle rules {[r['ID'] for r in lifecycle]}")

# The queues: DLQ and redrive, visibility timeout, encryption, FIFO where defined.
sqs = client("sqs")
for key, q in resources["queues"].items():
    suffix = ".fifo" if q["fifo"] else ""
    url = sqs.get_queue_url(QueueName=f"{prefix}-{key}{suffix}")["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=f"{prefix}-{key}-dlq{suffix}")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.loads(attrs.get("RedrivePolicy", "{}"))
    check(redrive.get("deadLetterTargetArn") == dlq_arn and int(redrive.get("maxReceiveCount", 0)) == q["max_receive_count"], f"queue {key} redrive {redrive}")
    check(int(attrs["VisibilityTimeout"]) == q["visibility_timeout_seconds"], f"queue {key} visibility timeout {attrs['VisibilityTimeout']}")
    check(attrs.get("SqsManagedSseEnabled") == "true", f"queue {key} encrypted")
    check((attrs.get("FifoQueue") == "true") == q["fifo"], f"queue {key} FIFO = {q['fifo']}")
    check(outputs["queue_urls"][key] == url, f"queue {key} URL in the outputs")

# The functions: runtime, handler, architecture, tracing, environment.
lam = client("lambda")
functions = outputs["function_names"]
for name in sorted(functions):
    f = lam.get_function_configuration(FunctionName=functions[name])
    check(f["Runtime"] == "provided.al2023" and f["Handler"] == "bootstrap", f"{name}: provided.al2023 / bootstrap")
    check(f.get("Architectures") == ["arm64"], f"{name}: arm64 {f.get('Architectures')}")
    check(f.get("TracingConfig", {}).get("Mode") == "Active", f"{name}: X-Ray tracing")
    check(f["Environment"]["Variables"].get("TABLE_NAME") == prefix, f"{name}: TABLE_NAME")
    check(f["Environment"]["Variables"].get("SSL_CERT_FILE") == "/etc/pki/tls/certs/ca-bundle.crt", f"{name}: SSL_CERT_FILE, the root certificates in one file")
sign_in_env = lam.get_function_configuration(FunctionName=functions["sign-in"])["Environment"]["Variables"]
check("JWT_PRIVATE_KEY" not in sign_in_env and sign_in_env.get("JWT_PRIVATE_KEY_SECRET_ID") == outputs["jwt_signing_key_secret_arn"], "sign-in reads its key from the secret, not an env var")
for name in functions:
    if name != "sign-in":
        env = lam.get_function_configuration(FunctionName=functions[name])["Environment"]["Variables"]
        check("JWT_PRIVATE_KEY" not in env and "JWT_PRIVATE_KEY_SECRET_ID" not in env, f"{name}: no signing key")

# Event source mappings: each queue to its consumer, its batch size, partial batch responses.
for key, q in resources["queues"].items():
    suffix = ".fifo" if q["fifo"] else ""
    arn = sqs.get_queue_attributes(QueueUrl=outputs["queue_urls"][key], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mappings = lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"]
    check(len(mappings) == 1, f"queue {key}: one event source mapping")
    if mappings:
        m = mappings[0]
        check(m["FunctionArn"].split(":")[6] == functions[q["consumer"]], f"queue {key} → {q['consumer']}")
        check(m["BatchSize"] == q["batch_size"], f"queue {key} batch size {m['BatchSize']}")
        check(m.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], f"queue {key} ReportBatchItemFailures {m.get('FunctionResponseTypes')}")

# The schedules: expression and time zone.
scheduler = client("scheduler")
sweep = scheduler.get_schedule(Name=f"{prefix}-inactivity-sweep")
check(sweep["ScheduleExpression"] == "cron(0 2 * * ? *)" and sweep["ScheduleExpressionTimezone"] == "Asia/Almaty", f"sweep schedule {sweep['ScheduleExpression']} {sweep['ScheduleExpressionTimezone']}")
check(sweep["Target"]["Arn"].endswith(f":function:{functions['inactivity-sweep']}"), "the sweep schedule invokes the sweep")
check("DeadLetterConfig" in sweep["Target"], "the sweep schedule has a DLQ")
relay = scheduler.get_schedule(Name=f"{prefix}-outbox-relay")
check(relay["ScheduleExpression"] == "rate(1 minute)", "relay schedule")

# Least privilege: no wildcard action anywhere, and "*" resources only where AWS offers no
# narrower ARN (X-Ray; log streams; object prefixes).
iam = client("iam")
allowed_wildcards = {"Tracing", "OwnLogs", "Attachments", "BasisDocumentsAndExports", "GrantDocuments", "ExchangeFolder"}
for name in sorted(functions):
    role = f"{prefix}-{name}"
    doc = iam.get_role_policy(RoleName=role, PolicyName=f"{role}-least-privilege")["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    for st in doc["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        check(all("*" not in a for a in actions), f"{name}/{st.get('Sid')}: no wildcard action")
        if st.get("Sid") not in allowed_wildcards:
            check(all("*" not in r for r in res), f"{name}/{st.get('Sid')}: no wildcard resource {res}")
    sids = {st.get("Sid") for st in doc["Statement"]}
    if name in ("post-vacancy", "notify"):
        check(not (sids & (allowed_wildcards - {"Tracing", "OwnLogs"})), f"{name}: no object access")
notify_doc = iam.get_role_policy(RoleName=f"{prefix}-notify", PolicyName=f"{prefix}-notify-least-privilege")["PolicyDocument"]
notify_doc = json.loads(notify_doc) if isinstance(notify_doc, str) else notify_doc
check(any("ses:SendEmail" in json.dumps(s["Action"]) for s in notify_doc["Statement"]), "notify may send e-mail")
check(not any("secretsmanager" in json.dumps(s["Action"]) for s in notify_doc["Statement"]), "notify may not read the signing key")

# The API: one route per path of resources.json.
api = client("apigatewayv2")
api_id = outputs["api_endpoint"].split("//")[1].split(".")[0]
routes = {r["RouteKey"] for r in api.get_routes(ApiId=api_id)["Items"]}
check(routes == {f"ANY {p}" for p in resources["routes"]}, f"{len(routes)} routes, one per path")

# The sender's identity, the key's secret, the alarms.
ses = client("sesv2")
check(ses.get_email_identity(EmailIdentity="enbek.local")["IdentityType"] == "DOMAIN", "SES identity of the sender's domain")
check(client("secretsmanager").describe_secret(SecretId=outputs["jwt_signing_key_secret_arn"])["Name"] == f"{prefix}/jwt-signing-key", "the signing key's secret")
alarms = {a["AlarmName"] for a in client("cloudwatch").describe_alarms(MaxRecords=100)["MetricAlarms"]}
for want in [f"{prefix}-integration-dlq-not-empty", f"{prefix}-outbox-failed", f"{prefix}-inactivity-sweep-errors", f"{prefix}-sign-in-5xx-rate", f"{prefix}-notify-throttles"]:
    check(want in alarms, f"alarm {want}")

if failures:
    print(f"\n{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print(f"infra read-back: {passed} checks passed")
