"""The map of the house: the parts of ``consulta/``, from the ground floor up.

    config, extensions   settings read from the environment; the Flask extensions
    core                 dates, sanitizing, taxonomy, permissions, operation errors, form
                         helpers, signals, mail outbox, page cache, errors, backups
    audit                the append-only audit log
    accounts             users, sessions, profile, roles, organizations
    consultations        consultations, timeline, components, draft plan, events
    contributions        proposals and comments: submission, lists, search
    moderation           classification, groups, hiding, masking
    feedback             responses to contributions, their publication, the matrix
    summary              figures, IRM checklist, frozen summaries, exports
    finalplan            the approved final plan, its diff and traceability
    followup             milestones, indicators, progress reports and evidence, the
                         tracking page, the standing forum, followers, self-assessments
    offline              spreadsheet import, assisted participation and receipts, /track,
                         authors to tell by SMS or phone, printables for workshops
    staff                the staff's start page: what awaits them, by consultation
    api                  the read-only open-data API
    demo                 demo data, made with the operations of every part
    app                  consulta/__init__.py (create_app) and consulta/models.py

A module imports modules of its own part and of the parts below it, never of a part
above: when something a part does concerns a part above it (an e-mail to send, a
figure to add to a page), the part sends a signal declared in its ``signals.py``, and
the part above connects a receiver in its ``init_app`` (see ``consulta/core/signals.py``).
Imports inside functions count like the others, and no two modules import each other,
however far round.
"""

import ast
from functools import cache
from pathlib import Path

import consulta

FLOORS = ("config", "extensions", "core", "audit", "accounts", "consultations",
          "contributions", "moderation", "feedback", "summary", "finalplan", "followup",
          "offline", "staff", "api", "demo", "app")
PACKAGE = Path(consulta.__file__).resolve().parent


def _module_name(path):
    parts = ("consulta", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _part(module):
    """The floor of a module: consulta.<part>...; the package itself and models.py: app."""
    pieces = module.split(".")
    if len(pieces) == 1 or pieces[1] == "models":
        return "app"
    return pieces[1]


@cache
def imports():
    """{module: {imported consulta module: line}}, with relative imports resolved."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        edges = graph.setdefault(module, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # ``from . import x`` may name a submodule: count it as one when it is.
                names = [f"{base}.{alias.name}" for alias in node.names]
                names = [n if _exists(n) else base for n in names]
            else:
                continue
            for name in names:
                if name.startswith("consulta") and not module.startswith(f"{name}."):
                    # Importing one's own package is no edge: Python runs it first anyway.
                    edges.setdefault(name, node.lineno)
    return graph


def _exists(module):
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def test_the_parts_are_registered_in_the_order_of_the_map():
    registered = [part.__name__.rpartition(".")[2] for part in consulta.PARTS]
    assert registered == [f for f in FLOORS if f in registered]
    assert set(FLOORS) - set(registered) == {"config", "extensions", "demo", "app"}


def test_no_part_imports_a_part_above_it():
    upward = [
        f"{module} (line {line}) imports {target}: {_part(module)} is below {_part(target)}"
        for module, edges in imports().items() for target, line in edges.items()
        if FLOORS.index(_part(target)) > FLOORS.index(_part(module))]
    assert upward == []


def test_core_imports_no_domain_part():
    core = {m: e for m, e in imports().items() if _part(m) == "core"}
    assert core and all(_part(t) in ("config", "extensions", "core")
                        for edges in core.values() for t in edges)


def test_no_module_imports_itself_round_a_cycle():
    graph = {m: set(e) & set(imports()) for m, e in imports().items()}
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []
