"""Checks for lesson 08 (kube-proxy and Services).

ex 8.1 — the probabilities of a Service chain. A KUBE-SVC chain has one rule per endpoint, tried
in order; each but the last carries `-m statistic --mode random --probability p`, the last
takes whatever is left. The learner writes `probabilities(n)`: the n-1 values kube-proxy writes
for n endpoints. The check builds a chain with the learner's values, sends 3,000 seeded
connections through it with the kernel's walker, and asks for an even spread (each endpoint
within 3 percentage points of 1/n) for n = 1, 2, 3, 5. The plausible wrong answers, each with its
hint:

    [1/n] * (n-1)                 the first rules take 1/n of what *reaches* them: later pods starve
    n values (one for the last)   the last rule must take what is left: no statistic match
    [1/(i+1) …] (the wrong end)   the first rule matches half or all, the rest starve
    percentages (33.3)            a probability is between 0 and 1
"""
from __future__ import annotations

import random

from .errors import ExerciseWrong
from .runner import attempt

TODO_81 = "return the --probability of each statistic rule, first to last, for n endpoints."
CASES = (1, 2, 3, 5)
CONNECTIONS = 3000


def _chain_shares(values: list[float], n: int) -> list[float]:
    """Send CONNECTIONS connections through a KUBE-SVC chain with these probabilities: each endpoint's share."""
    from ..proxy.iptables import Match, Rule, Table, kernel_probability
    from ..proxy.traffic import route
    nat = Table("nat")
    nat.append("PREROUTING", Rule("KUBE-SVC-EXERCISE", destination="10.96.0.80/32"))
    for index in range(n):
        matches = (Match("statistic", ("--mode", "random", "--probability", kernel_probability(values[index]))),) \
            if index < len(values) else ()
        nat.append("KUBE-SVC-EXERCISE", Rule(f"KUBE-SEP-{index}", matches=matches))
        nat.append(f"KUBE-SEP-{index}", Rule("DNAT", protocol="tcp", target_options=(
            "--to-destination", f"10.244.{index + 1}.5:80")))
    rng = random.Random(81)
    counts = [0] * n
    for _ in range(CONNECTIONS):
        walk = route({"nat": nat}, "10.96.0.80", 80, rng)
        if walk.destination:
            counts[int(walk.destination[0].split(".")[2]) - 1] += 1
    return [count / CONNECTIONS for count in counts]


def check_probabilities(probabilities) -> str:
    """Run the learner's probabilities(n) through a chain for a few n; even spread or a hint."""
    for n in CASES:
        values = attempt(probabilities, n, exercise="ex 8.1", case=f"{n} endpoints", todo=TODO_81)
        try:
            values = [float(value) for value in values]
        except (TypeError, ValueError):
            raise ExerciseWrong(f"ex 8.1, {n} endpoints: probabilities({n}) returned {values!r}; return a list "
                                "of numbers, one per statistic rule.") from None
        if any(value > 1 or value < 0 for value in values):
            raise ExerciseWrong(f"ex 8.1, {n} endpoints: {values} — a probability is between 0 and 1 "
                                "(iptables prints 0.50000000000 for a half), not a percentage.")
        if len(values) == n:
            raise ExerciseWrong(f"ex 8.1, {n} endpoints: you gave {n} values, one per rule. The last rule has "
                                "no statistic match: it takes every connection the others left (so n-1 values).")
        if len(values) != max(n - 1, 0):
            raise ExerciseWrong(f"ex 8.1, {n} endpoints: {len(values)} values; the chain has {n} rules and all "
                                f"but the last are random: {n - 1} values.")
        shares = _chain_shares(values, n)
        if any(abs(share - 1 / n) > 0.03 for share in shares):
            spread = ", ".join(f"{share:.0%}" for share in shares)
            raise ExerciseWrong(
                f"ex 8.1, {n} endpoints: with {['%.3f' % v for v in values]} the pods got {spread} of "
                f"{CONNECTIONS} connections, not {1 / n:.0%} each. A rule only sees the connections the rules "
                "above it let through: the first must take 1/n of all, the second 1/(n-1) of what is left, …")
    return f"✓ ex 8.1: an even spread for {', '.join(map(str, CASES))} endpoints — the chain kube-proxy writes."
