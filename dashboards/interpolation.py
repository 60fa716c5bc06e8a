"""What Grafana and its ClickHouse plugin do to a panel's SQL before ClickHouse runs it, for the
tests and the benchmark: the dashboard variables first, in Grafana's formats, then the plugin's
time macros.

Read from the sources of the versions the stack runs: Grafana (11.6) interpolates with
@grafana/scenes (``sceneInterpolator.ts``: an explicit ``${name:format}`` wins over the data
source's format; ``formatRegistry.ts``: the formats), and grafana-clickhouse-datasource 4.10.1
passes its own format for the unformatted ``$name`` / ``${name}`` (``CHDatasource.format``: one
value as it is, several quoted and joined, neither escaped), then expands ``$__timeFilter``,
``$__fromTime`` and ``$__toTime`` in its backend (``pkg/macros``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import quote

Value = str | list[str]

# Grafana's variable syntax (scenes' VARIABLE_REGEX): $name, [[name:format]], ${name.path:format}.
VARIABLE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")


def plugin_format(value: Value) -> str:
    """The ClickHouse plugin's format, used when the SQL names none."""
    return "'" + "','".join(value) + "'" if isinstance(value, list) else value


def raw(value: Value) -> str:
    return ",".join(value) if isinstance(value, list) else value  # JavaScript's String(value)


def sqlstring(value: Value) -> str:
    """Quoted, ``'`` doubled and ``"`` backslashed, joined by commas; a backslash is left as it is."""
    values = value if isinstance(value, list) else [value]
    return ",".join("'" + v.replace("'", "''").replace('"', '\\"') + "'" for v in values)


def singlequote(value: Value) -> str:
    """Quoted, ``'`` backslashed, joined by commas; a backslash is left as it is."""
    values = value if isinstance(value, list) else [value]
    return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)


def percentencode(value: Value) -> str:
    """encodeURIComponent, with ``!'()*`` encoded too: only letters, digits and ``-_.~%`` remain."""
    return quote("{" + ",".join(value) + "}" if isinstance(value, list) else value, safe="")


def glob(value: Value) -> str:
    """Grafana's fallback for a format it does not know."""
    return "{" + ",".join(value) + "}" if isinstance(value, list) and len(value) > 1 else raw(value)


VARIABLE_FORMATS: dict[str, Callable[[Value], str]] = {
    "raw": raw, "sqlstring": sqlstring, "singlequote": singlequote, "percentencode": percentencode,
    "glob": glob,
}  # fmt: skip


def interpolate(sql: str, variables: Mapping[str, Value]) -> str:
    """Replace the variables as Grafana does; a name not among ``variables`` stays as written."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        fmt = match.group(3) or match.group(6)
        if name not in variables:
            return match.group(0)
        if fmt is None:
            return plugin_format(variables[name])
        return VARIABLE_FORMATS.get(fmt.split(":")[0], glob)(variables[name])

    return VARIABLE.sub(value_of, sql)


def expand_macros(sql: str, from_s: int, to_s: int, variables: Mapping[str, Value]) -> str:
    """The SQL ClickHouse receives for the time range ``from_s`` .. ``to_s`` (epoch seconds)."""
    sql = interpolate(sql, variables)
    sql = re.sub(
        r"\$__timeFilter\(([a-z_]+)\)",
        lambda m: f"{m.group(1)} >= toDateTime({from_s}) AND {m.group(1)} <= toDateTime({to_s})",
        sql,
    )
    return sql.replace("$__fromTime", f"toDateTime({from_s})").replace("$__toTime", f"toDateTime({to_s})")
