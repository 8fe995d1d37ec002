"""Agent evaluations on the sandbox: scenarios judged by the store's final state and by the policy.

A run, in order (`checkout-mcp eval SCENARIO... [--agent CMD] [--trials K] [--report FILE]`):
1. `scenario`: each TOML file is validated into a `Scenario` (start, task, policy and human, faults,
   the scripted agent's calls, the gold solution, the judgement).
2. `runner`: every scenario's gold solution and each of its K trials is one task; tasks run in
   worker processes, as many as there are cores. A task starts from a fresh sandbox and server
   (`start` applies the scenario's changes to the seeded store, then the faults are switched on),
   lets its agent work (`agents`: the scenario's own calls in-process, or an external command over
   streamable HTTP), and brings back what happened: the store's final state (`digest`), every tool
   call (`calls`, with the tokens it returned, `tokens`), every question put to the human
   (`human`), the audit journal, the upstream requests.
3. `judge`: each trial against its scenario's gold: equal state digests, and the checks on the
   journal, the calls, the questions and the agent's reply.
4. `report`: a table per scenario, pass^1 and pass^k, a JSON report.
"""
