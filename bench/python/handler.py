"""The Python baseline of the cold-start bench (bench-coldstart): what most teams would write
instead, run by awslambdaric (the runtime interface client of AWS's Python images). Like the
Rust functions, it builds its AWS client once, at import."""

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    # One DynamoDB call per invocation, as the Rust functions' first invocation makes.
    return {"tables": len(dynamodb.list_tables(Limit=1).get("TableNames", []))}
