"""Rendering for people (rich, on a terminal or plain) and for machines (JSON on stdout).

Primary output goes to stdout; issues, progress and logs go to stderr."""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from medusa_sync.models import Catalog, ValidationIssue
from medusa_sync.normalize.text import plural, printable
from medusa_sync.plan import ACTIONS, KINDS, Change, FieldChange, Plan



class SafeConsole(Console):
    """A console for text from feeds and the server: nothing is read as rich markup (a centre
    named "[/]" or "[link=…]" is shown as written) and no control character reaches the
    terminal. Every text segment, table cells included, passes through `render`; rich's own
    styles and cursor controls are added after it, so colours and progress bars still work."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, highlight=False, soft_wrap=True, **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None):
        for segment in super().render(renderable, options):
            yield segment if segment.control else Segment(printable(segment.text), segment.style)


out = SafeConsole()
err = SafeConsole(stderr=True)


def print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(value, option=orjson.OPT_INDENT_2, default=str) + b"\n")
    sys.stdout.flush()


def catalog_summary(catalog: Catalog) -> dict[str, Any]:
    rows: Counter[tuple[str, str]] = Counter((item.distributor, item.category.value) for item in catalog.items)
    kits: Counter[tuple[str, str]] = Counter((kit.distributor, kit.category.value) for kit in catalog.kits)
    issues: Counter[str] = Counter()
    by_file = {file.path: file.distributor for file in catalog.files}
    for issue in catalog.issues:
        issues[by_file.get(issue.file, "?")] += 1
    return {
        "items": len(catalog.items),
        "kits": len(catalog.kits),
        "levels": len(catalog.levels),
        "locations": list(catalog.locations),
        "issues": len(catalog.issues),
        "by_distributor": {
            distributor: {
                "items": sum(n for (d, _), n in rows.items() if d == distributor),
                "kits": sum(n for (d, _), n in kits.items() if d == distributor),
                "issues": issues[distributor],
                "categories": {c: n for (d, c), n in sorted(rows.items()) if d == distributor},
                "kit_types": {c: n for (d, c), n in sorted(kits.items()) if d == distributor},
            }
            for distributor in sorted({d for d, _ in rows} | {d for d, _ in kits} | set(by_file.values()))
        },
    }


def render_summary(catalog: Catalog) -> None:
    table = Table(title="Feeds", show_footer=True)
    table.add_column("distributor", footer="total")
    table.add_column("category")
    table.add_column("items", justify="right", footer=str(len(catalog.items)))
    table.add_column("kits", justify="right", footer=str(len(catalog.kits)))
    summary = catalog_summary(catalog)
    for distributor, data in summary["by_distributor"].items():
        for category, count in data["categories"].items():
            table.add_row(distributor, category, str(count), "")
        for kit_type, count in data["kit_types"].items():
            table.add_row(distributor, kit_type, "", str(count))
    out.print(table)
    out.print(f"{plural(len(catalog.levels), 'stock level')} at {plural(len(catalog.locations), 'location')}: {', '.join(catalog.locations)}")
    out.print(f"{plural(len(catalog.issues), 'issue')} in the feeds")


def render_issues(issues: tuple[ValidationIssue, ...] | list[ValidationIssue]) -> None:
    for issue in issues:
        where = issue.file + (f" record {issue.record}" if issue.record is not None else "")
        sku = f" [{issue.sku}]" if issue.sku else ""
        err.print(f"{issue.severity}: {where}{sku}: {issue.code}: {issue.reason} → {issue.action}", markup=False)


ISSUE_EXAMPLES = 3


def issue_summary_lines(
    issues: tuple[ValidationIssue, ...] | list[ValidationIssue], *, full_list: str, ignore: tuple[str, ...] | list[str] = ()
) -> list[str]:
    """Feed issues for the console of a run: a head line (the total, what the rules file ignores,
    where every issue is), then one line per code not ignored with its count and up to
    ISSUE_EXAMPLES examples; errors first, then the most frequent."""
    if not issues:
        return []
    by_code: dict[str, list[ValidationIssue]] = {}
    for issue in issues:
        by_code.setdefault(issue.code, []).append(issue)
    ignored = [f"{code} ({len(group)})" for code, group in sorted(by_code.items()) if code in ignore]
    head = f"{len(issues)} feed {'issue' if len(issues) == 1 else 'issues'}"
    if ignored:
        head += f", {sum(len(by_code[code]) for code in ignore if code in by_code)} ignored by the rules file: {', '.join(ignored)}"
    lines = [f"{head}; every one in {full_list}"]
    shown = [(code, group) for code, group in by_code.items() if code not in ignore]
    severity = {code: "error" if any(i.severity == "error" for i in group) else "warning" for code, group in shown}
    for code, group in sorted(shown, key=lambda entry: (severity[entry[0]] != "error", -len(entry[1]), entry[0])):
        examples = group[:ISSUE_EXAMPLES]
        more = f", and {len(group) - ISSUE_EXAMPLES} more" if len(group) > ISSUE_EXAMPLES else ""
        if len({issue.reason for issue in examples}) == 1:  # one reason: said once
            text = f"{examples[0].reason}: " + ", ".join(_issue_place(issue) for issue in examples)
        else:
            text = "; ".join(f"{_issue_place(issue)}: {issue.reason}" for issue in examples)
        lines.append(f"  {severity[code]}: {code} ({len(group)}): {text}{more}")
    return lines


def _issue_place(issue: ValidationIssue) -> str:
    where = issue.file + (f" record {issue.record}" if issue.record is not None else "")
    return where + (f" [{issue.sku}]" if issue.sku else "")


def render_issue_summary(
    issues: tuple[ValidationIssue, ...] | list[ValidationIssue], *, full_list: str, ignore: tuple[str, ...] | list[str] = ()
) -> None:
    for line in issue_summary_lines(issues, full_list=full_list, ignore=ignore):
        err.print(line, markup=False)


_SYMBOLS = {"create": "+", "update": "~", "drift": "=", "missing": "-", "conflict": "!"}
_STYLES = {"create": "green", "update": "yellow", "drift": "cyan", "missing": "red", "conflict": "magenta"}
_KIND_TITLES = {"location": "Stock locations", "item": "Inventory items", "level": "Stock levels", "kit": "Kits"}


def _short(value: Any) -> str:
    text = orjson.dumps(value, default=str).decode()
    return text if len(text) <= 80 else text[:77] + "..."


def _field(change: FieldChange) -> str:
    after = "(removed)" if change.removed else _short(change.after)
    return f"{change.field}: {_short(change.before)} → {after}"


def _created(change: Change) -> str:
    """What a create sets, on one line."""
    if change.kind == "level":
        return f"stocked {change.stocked}, incoming {change.incoming}"
    if change.kind == "item":
        return _short(change.item.title)
    if change.kind == "kit":
        price = f", {change.price.amount} {change.price.currency_code}" if change.price else ""
        parts = ", ".join(f"{c.required_quantity} × {c.sku}" for c in change.components)
        return f"{_short(change.title)}{price}; components: {parts}"
    return ""


def _change_lines(change: Change, compact: bool) -> list[str]:
    head = f"{_SYMBOLS[change.action]} {change.kind} {change.key}"
    note = f"  ({change.note})" if change.note else ""
    if change.action == "create":
        created = _created(change)
        return [f"{head}{': ' + created if created else ''}{note}"]
    if change.action != "update":
        return [f"{head}{note}"]
    if compact:
        return [f"{head}: " + "; ".join(_field(field) for field in change.fields) + note]
    return [f"{head}{note}", *(f"    {_field(field)}" for field in change.fields)]


def plan_summary_line(plan: Plan) -> str:
    counts = plan.counts()
    drifts = sum(1 for change in plan.changes if change.action == "drift")
    counts["level"]["drift"] = drifts  # levels only: a drift is a level someone else changed
    parts = []
    for action in ("create", "update", "drift", "missing", "conflict", "unchanged"):
        detail = ", ".join(plural(counts[kind][action], kind) for kind in KINDS if counts[kind].get(action))
        if detail:
            parts.append(f"{action} {detail}")
    return "Plan: " + ("; ".join(parts) if parts else "nothing to do") + "."


NO_CHANGES = "No changes: the store matches the feeds."


def _verdict(plan: Plan, applying: bool, no_changes: str) -> str | None:
    """The plan's last line: true whether the plan is only shown or is about to be applied
    (then the apply's own "Applied: ..." line follows and no verdict is needed)."""
    if plan.refusals and not plan.options.force:
        return "Refused by the shrink guard: this plan cannot be applied (reasons on stderr)."
    if not plan.has_changes:
        return no_changes
    return None if applying else "Changes are pending."


def plan_text(plan: Plan, *, compact: bool = False, applying: bool = False) -> list[Text]:
    """The plan for people: the summary first and last, the changes grouped by kind and action
    (full: each field on its own line; compact: one line per change), then the verdict."""
    return list(plan_lines(plan, compact=compact, applying=applying))


def plan_lines(
    plan: Plan, *, compact: bool = False, applying: bool = False, no_changes: str = NO_CHANGES
) -> Iterator[Text]:
    """`plan_text` one line at a time: a plan of a million changes is printed without holding
    a million lines."""
    target = plan.store or "an empty store (no MEDUSA_URL: offline dry run)"
    summary = plan_summary_line(plan)
    yield Text(f"medusa-sync plan against {target}")
    yield Text(summary, style="bold")
    for kind in KINDS:
        for action in ACTIONS:
            changes = [change for change in plan.changes if change.kind == kind and change.action == action]
            if not changes:
                continue
            if not compact:
                yield Text("")
                yield Text(f"{_KIND_TITLES[kind]}: {action} ({len(changes)})", style="bold")
            style = _STYLES[action]
            for change in changes:
                for number, line in enumerate(_change_lines(change, compact)):
                    yield Text(("  " if not compact else "") + line, style=style if number == 0 else "")
    if plan.changes and not compact:
        yield Text("")
    yield Text(summary, style="bold")
    verdict = _verdict(plan, applying, no_changes)
    if verdict is not None:
        yield Text(verdict)


def render_plan(
    plan: Plan, *, compact: bool = False, applying: bool = False, no_changes: str = NO_CHANGES
) -> None:
    """Print the plan on stdout, coloured on a terminal (none with NO_COLOR or when stdout is
    not a terminal; FORCE_COLOR forces colour): the console is made now, so it sees the
    environment of this run. With NO_COLOR no escape at all is written (rich would keep bold)."""
    console = SafeConsole(color_system=None if os.environ.get("NO_COLOR") else "auto")
    for line in plan_lines(plan, compact=compact, applying=applying, no_changes=no_changes):
        console.print(line)
    for warning in plan.warnings:
        err.print(f"warning: {warning}", markup=False)
    for reason in plan.refusals:
        err.print(f"refused: {reason}", markup=False)


def quiet_line(plan: Plan, applied) -> str:
    """`--quiet`: the whole run on one line."""
    return plan_summary_line(plan) + (f" Applied: {_applied_text(applied)}." if applied is not None else "")


class StepProgress:
    """Progress of an apply on stderr: a rich bar on a terminal, plain lines otherwise."""

    def __init__(self) -> None:
        self.tty = err.is_terminal

    def step(self, name: str, total: int):
        if self.tty:
            from rich.progress import Progress

            bar = Progress(console=err, transient=False)
            task = bar.add_task(name, total=total)
            bar.start()

            def advance(done: int) -> None:
                bar.update(task, completed=done)
                if done >= total:
                    bar.stop()

            return advance
        err.print(f"{name}: {total} to do", markup=False)
        marks = {max(1, total * share // 4) for share in (1, 2, 3, 4)}

        def advance_plain(done: int) -> None:
            if done in marks:
                err.print(f"{name}: {done}/{total}", markup=False)

        return advance_plain


def apply_summary(result) -> dict[str, Any]:
    return {
        "applied": dict(sorted(result.applied.items())),
        "failures": [{"kind": f.kind, "key": f.key, "message": f.message} for f in result.failures],
        "reserved_guards": [vars(guard) for guard in result.guarded],
    }


def _applied_text(result) -> str:
    return ", ".join(f"{n} {key}" for key, n in sorted(result.applied.items()) if n) or "nothing"


def render_apply(result) -> None:
    out.print(f"Applied: {_applied_text(result)}", markup=False)
    render_guards(result)
    for failure in result.failures:
        err.print(f"failed: {failure.kind} {failure.key}: {failure.message}", markup=False)


def render_guards(result) -> None:
    """Levels the apply kept at reserved against a reservation that landed while it ran."""
    for guard in result.guarded:
        err.print(f"warning: {printable(str(guard))}", markup=False)
