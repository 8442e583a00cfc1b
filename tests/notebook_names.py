"""Which names a notebook cell binds and reads at the notebook's top level, from its source alone.

Read with :mod:`symtable`, so the names a function, a lambda or a comprehension keeps to itself
(its parameters, its locals, its loop variables) are not taken for the notebook's.
"""

from __future__ import annotations

import ast
import symtable

from IPython.core.inputtransformer2 import TransformerManager


def python_source(cell_source: str) -> str:
    """A cell's source as plain Python (IPython's ``%magics`` and ``!commands`` turned into calls)."""
    return TransformerManager().transform_cell(cell_source)


def _module_table(source: str) -> symtable.SymbolTable:
    return symtable.symtable(source, "<cell>", "exec")


def bound_names(source: str) -> set[str]:
    """Names the code binds at the top level: assignments, loop targets, defs, classes, imports."""
    return {
        symbol.get_name()
        for symbol in _module_table(source).get_symbols()
        if symbol.is_assigned() or symbol.is_imported()
    }


def read_names(source: str) -> set[str]:
    """Top-level names the code reads, directly or from inside its functions and comprehensions."""
    names = set()
    tables = [_module_table(source)]
    while tables:
        table = tables.pop()
        for symbol in table.get_symbols():
            top_level = table.get_type() == "module" or symbol.is_global()
            if top_level and symbol.is_referenced():
                names.add(symbol.get_name())
        tables.extend(table.get_children())
    return names


def read_before_bound(source: str) -> set[str]:
    """Names the code reads before (or without) binding them itself, statement by statement and
    into the bodies of loops, conditions, ``with`` and ``try``."""
    bound: set[str] = set()
    read: set[str] = set()
    _follow(ast.parse(source).body, bound, read)
    return read


def _follow(statements: list[ast.stmt], bound: set[str], read: set[str]) -> None:
    def reads(node: ast.AST) -> None:
        read.update(read_names(ast.unparse(node)) - bound)

    def binds(target: ast.AST | None) -> None:
        if target is not None:
            bound.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))

    for statement in statements:
        if isinstance(statement, ast.For | ast.AsyncFor):
            reads(statement.iter)
            binds(statement.target)
            _follow(statement.body + statement.orelse, bound, read)
        elif isinstance(statement, ast.If | ast.While):
            reads(statement.test)
            _follow(statement.body + statement.orelse, bound, read)
        elif isinstance(statement, ast.With | ast.AsyncWith):
            for item in statement.items:
                reads(item.context_expr)
                binds(item.optional_vars)
            _follow(statement.body, bound, read)
        elif isinstance(statement, ast.Try):
            _follow(statement.body, bound, read)
            for handler in statement.handlers:
                bound.update([handler.name] if handler.name else [])
                _follow(handler.body, bound, read)
            _follow(statement.orelse + statement.finalbody, bound, read)
        elif isinstance(statement, ast.AugAssign):  # x += 1 reads x, then binds it
            reads(statement.value)
            reads(statement.target)
            bound.update([statement.target.id] if isinstance(statement.target, ast.Name) else [])
        else:
            text = ast.unparse(statement)
            read.update(read_names(text) - bound)
            bound.update(bound_names(text))
