#!/usr/bin/env python3
"""moto_server, with TransactWriteItems that costs what its items cost.

moto (5.x) makes a transaction undoable by deep-copying the whole table once per
item of the transaction, so every transaction costs O(table) and a benchmark that
fills the table slows to a crawl (a 10,000-event scoring run takes hours). This
starts the same moto server with one change: a transaction checks every item's
condition against the state before it, as DynamoDB does, then applies the items,
keeping copies of only the items it touches to put back if an item fails to
apply. What a transaction does, and the errors it answers with
(TransactionCanceledException with one reason per item), are moto's. (Single-item
writes do not take the lock, as in moto; the scoring benchmark sends one request
at a time.)

Benchmarks only (docs/benchmarks.md); the test command runs plain moto_server.

    python scripts/moto_server_txn.py -H 127.0.0.1 -p 5000
"""

import copy
import sys
import threading

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

OPS = {"ConditionCheck", "Put", "Delete", "Update"}
# moto's server handles requests on threads: a transaction's checks and writes
# happen under one lock, so two transactions cannot both pass their checks.
LOCK = threading.Lock()


def _key_of(backend, op_type, op):
    if op_type != "Put":
        return op["Key"]
    attrs = op["Item"]
    table = backend.get_table(op["TableName"])
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self, transact_items):
    with LOCK:
        _transact(self, transact_items)


def _transact(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    ops = []
    seen = set()
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in OPS:
            raise MockValidationException("Unsupported transaction operation")
        key = _key_of(self, op_type, op)
        unique = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if unique in seen:
            raise MultipleTransactionsException()
        seen.add(unique)
        ops.append((op_type, op, key))

    # Every condition against the state before the transaction.
    errors = []
    for op_type, op, key in ops:
        current = self.get_item(op["TableName"], key)
        expression = op.get("ConditionExpression")
        failed = None
        if expression is not None:
            condition = get_filter_expression(
                expression,
                op.get("ExpressionAttributeNames"),
                op.get("ExpressionAttributeValues"),
            )
            if not condition.expr(current):
                old = None
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    old = current.to_json()["Attributes"]
                failed = ("ConditionalCheckFailed", "The conditional request failed", old)
        errors.append(failed or (None, None, None))
    if any(code is not None for code, _, _ in errors):
        raise TransactionCanceledException(errors)

    # Then the writes, undone item by item if one cannot be applied.
    before = [
        (op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key)))
        for op_type, op, key in ops
        if op_type != "ConditionCheck"
    ]
    try:
        for op_type, op, key in ops:
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                self.put_item(op["TableName"], op["Item"])
            elif op_type == "Delete":
                self.delete_item(op["TableName"], key)
            elif op_type == "Update":
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=None,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
    except (ConditionalCheckFailed, MockValidationException, Exception) as err:
        for table_name, key, old in before:
            if old is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, old.to_json()["Attributes"])
        reason = (type(err).__name__, str(err), None)
        raise TransactionCanceledException([reason for _ in ops])


DynamoDBBackend.transact_write_items = transact_write_items

if __name__ == "__main__":
    main(sys.argv[1:])
