"""The house rules, read from the code itself: no import cycles, a pure engine, one definition
per concept, the environment read in one place."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import TypeGuard

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("cckpi", "streams", "producers", "schemas", "sql", "dashboards")
IO_LIBRARIES = {"faust", "mode", "aiokafka", "kafka", "clickhouse_driver", "chdb", "aiohttp", "pyarrow"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in FIRST_PARTY:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8")) for name, path in MODULES.items()}


def _imports(name: str) -> tuple[set[str], set[str]]:
    """First-party modules and outside top-level packages one module imports, wherever the
    import stands (module level, in a function, under TYPE_CHECKING)."""
    ours, outside = set(), set()
    for node in ast.walk(TREES[name]):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in MODULES else node.module
                       for a in node.names]  # fmt: skip
        for target in targets:
            if target.split(".")[0] in FIRST_PARTY:
                while target not in MODULES:  # `import a.b.c` of a module; never a bare package miss
                    target = target.rpartition(".")[0]
                if target != name:
                    ours.add(target)
            else:
                outside.add(target.split(".")[0])
    return ours, outside


GRAPH = {name: _imports(name)[0] for name in MODULES}


def _unit(module: str) -> str:
    """The package a module belongs to: streams' sub-packages and top-level modules count apart."""
    parts = module.split(".")
    if parts[0] == "streams" and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert _cycles(GRAPH) == []


def test_no_package_imports_itself_round_a_cycle() -> None:
    units: dict[str, set[str]] = defaultdict(set)
    for module, imported in GRAPH.items():
        units[_unit(module)].update(_unit(i) for i in imported if _unit(i) != _unit(module))
    assert _cycles(units) == []
    assert "streams.engine" in units and "streams.storage" in units  # the check sees the house


def _reach(start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in GRAPH[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_engine_reaches_no_io_library_and_no_other_package_of_streams() -> None:
    engine = [m for m in MODULES if m.startswith("streams.engine.")]
    assert len(engine) >= 8
    for module in engine:
        reached = _reach(module)
        libraries = set().union(*(_imports(m)[1] for m in reached))
        assert not libraries & IO_LIBRARIES, (module, libraries & IO_LIBRARIES)
        assert {_unit(m) for m in reached} <= {"streams.engine", "schemas"}, module


def test_the_stages_reach_only_the_engine_and_the_contract() -> None:
    """The live stages are plain objects: records in, domain objects out; the worker does the I/O."""
    for module in [m for m in MODULES if m.startswith("streams.stages.")]:
        reached = _reach(module)
        assert {_unit(m) for m in reached} <= {"streams.stages", "streams.engine", "schemas"}, module
        assert not set().union(*(_imports(m)[1] for m in reached)) & IO_LIBRARIES, module


def _environment_reads(tree: ast.AST) -> Iterator[int]:
    """Lines that read a variable: os.getenv(..), os.environ.get(..), os.environ[..], .. in os.environ
    (passing the whole environment on to a child process is not reading it)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            yield node.lineno
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            parent = getattr(node, "parent", None)
            if not isinstance(parent, ast.Dict):
                yield node.lineno


# A configuration file may name variables of its own (``${NAME}`` in an SLA file's webhook URL),
# which no settings field can list: the loader looks up those names and no other.
NAMED_BY_FILES = {"schemas.config_file"}


def test_every_environment_variable_is_read_in_settings() -> None:
    readers = {}
    for name, tree in TREES.items():
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node  # type: ignore[attr-defined]
        lines = list(_environment_reads(tree))
        if lines and name not in NAMED_BY_FILES:
            readers[name] = lines
    assert readers == {}, "read the variable as a field of streams.settings.Settings"


def _definitions() -> dict[str, list[str]]:
    """Module-level classes, functions and constants of the product, by name."""
    defined: dict[str, list[str]] = defaultdict(list)
    for module, tree in TREES.items():
        for node in tree.body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                defined[node.name].append(module)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        defined[target.id].append(module)
    return defined


# Names each command module or entry point defines by design.
PER_MODULE = {"add", "run", "main", "log", "T", "K"}
# The event contract's two forms, held to the same decisions by test_wire_conformance: the
# pydantic models explain every rejection, the msgspec structs decode eight times faster.
MIRRORED = ("schemas.events", "schemas.wire")


def test_each_public_concept_is_defined_once() -> None:
    twice = {
        name: modules
        for name, modules in _definitions().items()
        if len(modules) > 1
        and name not in PER_MODULE
        and not name.startswith("_")
        and tuple(sorted(modules)) != MIRRORED
    }
    assert twice == {}


def test_microseconds_are_spelled_once() -> None:
    literal = [name for name, path in MODULES.items() if "1_000_000" in path.read_text(encoding="utf-8")
               and name != "schemas.stamps"]  # fmt: skip
    assert literal == [], "use US_PER_S (schemas.stamps, also streams.engine.intervals)"


def _number(node: ast.AST, values: set[float]) -> TypeGuard[ast.Constant]:
    """Whether a node is a number literal among ``values``, however spelled (1e6, 1_000_000, 1000000.0)."""
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value in values


def _unit_conversions(tree: ast.AST, factors: set[float]) -> Iterator[int]:
    """Lines that multiply or divide by one of ``factors`` written as a number."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Mult | ast.Div | ast.FloorDiv):
            continue
        if _number(node.left, factors) or _number(node.right, factors):
            yield node.lineno


def test_microseconds_are_converted_by_name() -> None:
    """``* 1e6``, ``/ 1e6`` and ``* 1e-6`` are US_PER_S spelled again (a comparison with a count
    of a million is no conversion)."""
    spelled = {name: lines for name, tree in TREES.items() if name != "schemas.stamps"
               and (lines := list(_unit_conversions(tree, {1e6, 1e-6})))}  # fmt: skip
    assert spelled == {}, "multiply or divide by US_PER_S (schemas.stamps, also streams.engine.intervals)"


# The producers' 900s are simulated times (a shift's jitter, a handling time), not the KPI interval.
NOT_THE_INTERVAL = ("producers",)


def test_the_interval_is_named_where_it_is_used() -> None:
    literal = {name: lines for name, tree in TREES.items()
               if name != "streams.engine.intervals" and not name.startswith(NOT_THE_INTERVAL)
               and (lines := [node.lineno for node in ast.walk(tree) if _number(node, {900})])}  # fmt: skip
    assert literal == {}, "use INTERVAL_S (streams.engine.intervals)"


# A figure near its target: a band written as a number next to a target (``target - 0.05``), in
# the code, in the panels' SQL or in the wallboard's script.
_BAND_NEXT_TO_TARGET = re.compile(
    r"target\w*['\"\])]*\s*[-+]\s*\d*\.\d+|\d*\.\d+\s*[-+]\s*[\w.\[\]'\"]*target", re.IGNORECASE
)


def test_targets_are_judged_by_the_one_rule() -> None:
    """Whether a figure meets its target and the amber band are schemas.targets' alone."""
    sources = [path for name, path in MODULES.items() if name != "schemas.targets"]
    pages_and_sql = [page for package in FIRST_PARTY for suffix in ("html", "sql")
                     for page in (ROOT / package).rglob(f"*.{suffix}")]  # fmt: skip
    sources += pages_and_sql
    found = {str(path.relative_to(ROOT)): hits for path in sources
             if (hits := _BAND_NEXT_TO_TARGET.findall(path.read_text(encoding="utf-8")))}  # fmt: skip
    assert found == {}, "judge with schemas.targets (meets, status; dashboards.sql_parts in SQL)"
    assert any(p.name == "wallboard.html" for p in pages_and_sql)  # the page's script is read too


# The fast decoder's own parse (held to the contract's by test_wire_conformance) and a bridge
# reading another product's stamps ("2026-11-23 09:15:02 UTC") are not the contract's format.
OWN_STAMPS = {"schemas.stamps", "schemas.wire", "producers.bridges.chatwoot_shapes"}
_STAMP_CODE = re.compile(r"datetime\.fromisoformat|strftime\(\"%Y-%m-%dT")


def test_time_stamps_are_written_and_read_in_one_place() -> None:
    found = {name: _STAMP_CODE.findall(path.read_text(encoding="utf-8")) for name, path in MODULES.items()
             if name not in OWN_STAMPS and _STAMP_CODE.search(path.read_text(encoding="utf-8"))}  # fmt: skip
    assert found == {}, "format_rfc3339 and parse_rfc3339 (schemas.stamps)"


def test_a_local_day_starts_in_one_place() -> None:
    found = [name for name, path in MODULES.items() if name != "schemas.stamps"
             and re.search(r"replace\(hour=0,", path.read_text(encoding="utf-8"))]  # fmt: skip
    assert found == [], "local_midnight (schemas.stamps)"


# The command layer: modules that parse arguments, call the library and print what it gives
# (the monthly report's files and a client's users.d file are a command's output). The processes
# cckpi starts and the benchmark are rooms of their own; anything else belongs to the library.
COMMAND_LAYER = {"cckpi", "cckpi.__main__", "cckpi.cli", "cckpi.options", "cckpi.choices", "cckpi.formats",
                 "cckpi.progress_bar", "cckpi.users"}  # fmt: skip
CCKPI_ROOMS = {"commands", "stack", "bench", "report"}
COMMAND_LINES = 300


def test_cckpi_holds_the_command_layer_and_two_rooms_beside_it() -> None:
    cckpi = ROOT / "cckpi"
    top = {name for name, path in MODULES.items() if name.startswith("cckpi") and path.parent == cckpi}
    rooms = {path.relative_to(cckpi).parts[0] for name, path in MODULES.items()
             if name.startswith("cckpi") and path.parent != cckpi}  # fmt: skip
    assert top == COMMAND_LAYER, "a module beside the parser: put it in the library, stack/ or bench/"
    assert rooms == CCKPI_ROOMS
    long = {name: lines for name, path in MODULES.items()
            if (name in COMMAND_LAYER or name.startswith("cckpi.commands"))
            and (lines := len(path.read_text(encoding="utf-8").splitlines())) > COMMAND_LINES}  # fmt: skip
    assert long == {}, "a command parses, calls and prints: move what it computes into the library"


def _column_arithmetic(tree: ast.AST, columns: set[str]) -> Iterator[int]:
    """Lines that add, subtract, multiply or divide a row's additive column (``r.offered``,
    ``row["handled"]``): a KPI figure being summed or derived."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            operands = [node.left, node.right]
        elif isinstance(node, ast.AugAssign):
            operands = [node.target, node.value]
        else:
            continue
        for part in (sub for operand in operands for sub in ast.walk(operand)):
            if (isinstance(part, ast.Attribute) and part.attr in columns) or (
                isinstance(part, ast.Subscript) and isinstance(part.slice, ast.Constant)
                and part.slice.value in columns
            ):  # fmt: skip
                yield node.lineno
                break


def test_cckpi_computes_no_kpi() -> None:
    """Sums and ratios of the KPI rows are the engine's (streams.engine: kpi, periods, monthly);
    cckpi passes rows on and prints what comes back."""
    from schemas.kpi import ADDITIVE_COLUMNS

    found = {name: lines for name, tree in TREES.items() if name.startswith("cckpi")
             and (lines := list(_column_arithmetic(tree, set(ADDITIVE_COLUMNS))))}  # fmt: skip
    assert found == {}, "sum or derive KPI figures in streams.engine and call it"
    summed = ast.parse("volumes[r.channel] = volumes.get(r.channel, 0) + r.offered\ntotal[0] += r.handled")
    assert len(list(_column_arithmetic(summed, set(ADDITIVE_COLUMNS)))) == 2  # the check sees them


def test_tests_start_cckpi_through_one_helper() -> None:
    """``python -m cckpi`` is spelled in tests/helpers/cli.py only (cckpi, cckpi_command)."""
    spawn = ", ".join(('"-m"', '"cckpi"'))  # not spelled here, so this file is read too
    helper = ROOT / "tests" / "helpers" / "cli.py"
    spelled = [str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("*.py")
               if spawn in path.read_text(encoding="utf-8") and path != helper]  # fmt: skip
    assert spawn in helper.read_text(encoding="utf-8")
    assert spelled == [], "use tests.helpers.cli.cckpi (or cckpi_command for a process the test watches)"


# A command's module is named after the command it runs, which is often the name of what it calls.
NAMED_AFTER_COMMANDS = "cckpi.commands."


def test_each_module_name_says_one_thing() -> None:
    """No two modules share a name (``alerts``, ``run``, ``reads`` each meant several things)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for name, path in MODULES.items():
        if path.stem not in ("__init__", "__main__") and not name.startswith(NAMED_AFTER_COMMANDS):
            by_name[path.stem].append(name)
    assert {stem: names for stem, names in by_name.items() if len(names) > 1} == {}


TESTS = ROOT / "tests"
HELPERS = TESTS / "helpers"
# The SQL derivation's rule tests collect the engine's rule cases again, on purpose.
RECOLLECTED = {("tests.integration.batch.test_sql_rules", "tests.unit.engine.test_kpi_rules")}


def test_tests_share_code_through_tests_helpers_only() -> None:
    """What tests share lives in ``tests/helpers`` (and fixtures in conftest files); a test
    module imports no other test module."""
    shared = [p for p in TESTS.rglob("*.py") if not p.name.startswith("test_")
              and p.name not in ("__init__.py", "conftest.py")]  # fmt: skip
    strays = [str(p.relative_to(ROOT)) for p in shared if HELPERS not in p.parents]
    assert strays == [], "move shared test code to tests/helpers"
    borrowed = set()
    for path in TESTS.rglob("test_*.py"):
        importer = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if names:
                borrowed |= {(importer, n) for n in names if n.startswith("tests.") and ".test_" in n}
    assert borrowed - RECOLLECTED == set()


def test_test_folders_are_named_after_what_they_test() -> None:
    """tests/unit/<name> and tests/integration/<name>: a top-level package, a package of
    ``streams``, or ``deploy`` (the Dockerfile, compose file and their scripts)."""
    of_streams = {p.name for p in (ROOT / "streams").iterdir() if (p / "__init__.py").exists()}
    packages = set(FIRST_PARTY) | of_streams
    for level in ("unit", "integration"):
        folders = {p.name for p in (TESTS / level).iterdir() if p.is_dir() and p.name != "__pycache__"}
        assert folders - packages - {"deploy"} == set(), level


def _readme_layers() -> list[str]:
    """The units of the README's layout drawing, top to bottom (a package's members under it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    drawing = readme.split("### Layout", 1)[1].split("```", 2)[1]
    layers: list[str] = []
    top = ""
    for line in drawing.splitlines():
        entry = re.match(r"^(  )?([a-z_]+)(/\S*|\.py)(?=\s|$)", line)
        if entry is None or entry.group(2) in ("tests", "docs"):
            continue
        if not entry.group(1):
            top = entry.group(2)
        name = top if not entry.group(1) else f"{top}.{entry.group(2)}"
        if name not in layers:
            layers.append(name)
    return layers


def test_imports_only_go_down_the_readme_layout() -> None:
    """A module imports only units drawn above its own in the README, its own unit, or the
    rooms drawn inside it (cckpi's commands start its stack and its bench)."""
    layers = _readme_layers()
    assert {"schemas", "streams.engine", "streams.worker", "producers", "cckpi"} <= set(layers)

    def layer(module: str) -> str:
        return max((u for u in layers if module == u or module.startswith(u + ".")), key=len)

    upward = sorted({(layer(m), layer(d)) for m, deps in GRAPH.items() for d in deps
                     if layers.index(layer(d)) > layers.index(layer(m))
                     and not layer(d).startswith(f"{layer(m)}.")})  # fmt: skip
    assert upward == [], "import only what the README draws above, or redraw it"
