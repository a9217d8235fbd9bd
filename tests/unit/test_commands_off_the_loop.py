"""No `async` handler runs a command by calling the bus directly on the event loop.

A write on the loop must wait for the write slot in line without blocking the loop
(`deps.run_write`): a command called directly there would block the loop in the slot's
queue, and a coroutine queued ahead of it, handed the slot, could never run — the loop
would stand still until the slot's time limit. Commands go through `run_write`, or to the
thread pool (`run_in_threadpool`, the web console's `handle`)."""

from __future__ import annotations

import ast
from pathlib import Path

import warroom.entrypoints

# Names of calls that run a command, or (`verify`: the token store) read on the write engine.
RUNS_A_COMMAND = {
    "handle",
    "handle_idempotent",
    "handle_in",
    "execute",
    "execute_outcome",
    "_run",
    "verify",
}
ROOT = Path(warroom.entrypoints.__file__).parent


def _direct_calls(function: ast.AsyncFunctionDef) -> list[tuple[int, str]]:
    """Calls made by the coroutine itself (not by functions or lambdas it defines, which it
    hands to a thread); an awaited call is a coroutine and does not block."""
    found: list[tuple[int, str]] = []
    awaited = {id(n.value) for n in ast.walk(function) if isinstance(n, ast.Await)}
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Call) and id(node) not in awaited:
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name in RUNS_A_COMMAND:
                found.append((node.lineno, name))
        stack.extend(ast.iter_child_nodes(node))
    return found


def test_no_async_handler_runs_a_command_on_the_event_loop() -> None:
    offenders = []
    scanned = 0
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef):
                scanned += 1
                offenders += [
                    f"{path.relative_to(ROOT)}:{line} {node.name} calls {name}"
                    for line, name in _direct_calls(node)
                ]
    assert scanned > 50
    assert offenders == []


def test_the_scan_finds_a_direct_call() -> None:
    source = (
        "async def hook(wr, cmd):\n"
        "    wr.bus.handle(cmd)\n"
        "    await run_in_threadpool(lambda: wr.bus.handle(cmd))\n"
        "    await handle(request, cmd)\n"
    )
    (function,) = ast.parse(source).body
    assert isinstance(function, ast.AsyncFunctionDef)
    assert _direct_calls(function) == [(2, "handle")]
