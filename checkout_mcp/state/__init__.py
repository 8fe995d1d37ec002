"""Shared state: what every process and replica serving one store must agree on.

Confirmation ids (single use), the order ledger, the per-checkout locks and the audit journal's
chain live behind one small interface (`SharedState`, in base.py) with two backends: SQLite in
the user's state directory (the default; several server processes on one machine share it with no
configuration) and Redis (`[state] redis_url`; replicas on many machines). No operation's cost
grows with the size of the history.
"""
