"""Erlang C as one ClickHouse expression, so a dashboard can show the agents a lane needs.

The worker cannot store required agents: with several workers each sees part of a lane's
contacts. The panel computes them where the summed rows are, as :mod:`streams.engine.staffing`
does (a test holds the two equal). ClickHouse 18.16 has no loops or recursion, so Erlang B's
recursion becomes its closed form over log terms: with ``t_k = k ln A - ln k!``,
``B(N) = e^{t_N} / sum_{k<=N} e^{t_k}``; cumulative sums give B for every N at once, shifted by
the largest term so that nothing overflows.

18.16's lambdas lose track of captured outer columns once more than one is involved ("Unknown
identifier"), so every outer value reaches a lambda as an array of copies beside the array it
walks.
"""

from __future__ import annotations


def _copies(length: str, value: str) -> str:
    """``length`` copies of ``value``: how a lambda gets an outer value on 18.16."""
    return f"arrayResize(emptyArrayFloat64(), {length}, toFloat64({value}))"


def required_agents_sql(traffic: str, threshold_s: str, aht_s: str, target: str) -> str:
    """The fewest agents whose Erlang C service level reaches ``target`` (the arguments are
    SQL expressions; ``traffic`` > 0 in Erlangs, after any chat concurrency)."""
    a = f"({traffic})"
    first = f"greatest(1, toUInt64(floor({a})))"
    # Agents tried beyond floor(A): the answer is about A + z sqrt(A), with z < 4 at 99.99 %.
    tried = f"toUInt64(31 + ceil(10 * sqrt({a})))"
    length = f"({first} + {tried})"  # k = 0 .. the last agent count tried
    ks = f"range({length})"
    log_factorials = f"arrayCumSum(arrayMap(k -> log(greatest(k, 1)), {ks}))"
    terms = f"arrayMap((k, f, la) -> k * la - f, {ks}, {log_factorials}, {_copies(length, f'log({a})')})"
    largest = f"arrayReduce('max', {terms})"
    shifted = f"arrayMap((x, m) -> exp(x - m), {terms}, {_copies(length, largest)})"
    blocking = f"arrayMap((e, s) -> e / s, {shifted}, arrayCumSum({shifted}))"
    agents = f"arrayMap((i, f0) -> f0 + i, range({tried}), {_copies(tried, first)})"
    waits = "(n * b / (n - x * (1 - b)))"
    level = f"if(n <= x, 0, 1 - {waits} * exp(-(n - x) * t / h))"
    return (
        f"toUInt64(arrayFirst((n, b, x, t, h, p) -> {level} >= p, {agents}, "
        f"arraySlice({blocking}, {first} + 1, {tried}), {_copies(tried, a)}, "
        f"{_copies(tried, threshold_s)}, {_copies(tried, aht_s)}, {_copies(tried, target)}))"
    )
