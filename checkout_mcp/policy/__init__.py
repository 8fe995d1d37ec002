"""The policy layer's pure parts; the gate that applies them to each call is server/gate.py.

effects       what a tool does (read, write, destructive, irreversible), declared once per tool
modes         configuration (PolicySettings) and the pure decision: allow, confirm, or block
confirmation  single-use, expiring confirmation ids bound to tool, arguments, store and checkout
ledger        the create_order idempotency ledger and its reconciliation protocol
audit         the hash-chained, append-only audit journal; audit_cli reads it for the CLI
redact        keeping secrets out of journals and logs
"""
