"""``credit_rules import FILE [--publish] [--activate|--shadow]`` and ``credit_rules export [--version N] [FILE]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credit import engine, selectors, services
from credit.models import RuleSet, Slot
from credit.rules import dump_rule_file
from portal.errors import PortalError


class Command(BaseCommand):
    help = "Import a rule file as a new draft (optionally publish and activate it), or export a version."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import FILE ('-' for stdin) as a new draft")
        imp.add_argument("file")
        imp.add_argument("--publish", action="store_true", help="publish the draft (immutable)")
        slot = imp.add_mutually_exclusive_group()
        slot.add_argument("--activate", action="store_true", help="make it live (implies --publish)")
        slot.add_argument("--shadow", action="store_true", help="run it in shadow (implies --publish)")
        exp = sub.add_parser("export", help="export a version (default: the live one)")
        exp.add_argument("file", nargs="?", default="-")
        exp.add_argument("--version", type=int)

    def handle(self, *args, **options):
        if options["action"] == "import":
            self.do_import(options)
        else:
            self.do_export(options)

    def do_import(self, options):
        path = options["file"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            doc = json.loads(text)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            rule_set = services.rule_set_import(doc=doc, actor=None)
            self.stdout.write(f"imported draft v{rule_set.pk}: {rule_set.rule_count} rules")
            if options["publish"] or options["activate"] or options["shadow"]:
                rule_set = services.rule_set_publish(rule_set=rule_set, actor=None)
                compiled = engine.build(
                    rule_set.pk, selectors.rules_of(rule_set), rule_set.policy, measure_memory=True
                )
                self.stdout.write(
                    f"published v{rule_set.pk} (sha256 {rule_set.checksum[:12]}…); compiled in "
                    f"{compiled.compile_seconds * 1000:.0f} ms, {compiled.memory_bytes / 1e6:.1f} MB peak, "
                    f"{compiled.rules.stats['leaves']} distinct conditions"
                )
            if options["activate"] or options["shadow"]:
                slot = Slot.LIVE if options["activate"] else Slot.SHADOW
                services.rule_set_activate(rule_set=rule_set, slot=slot, actor=None)
                self.stdout.write(f"v{rule_set.pk} is now {slot}")
        except PortalError as exc:
            problems = getattr(exc, "problems", None) or [exc.message]
            raise CommandError("\n".join(problems)) from exc

    def do_export(self, options):
        if options["version"]:
            rule_set = RuleSet.objects.filter(pk=options["version"]).first()
        else:
            rule_set = RuleSet.objects.filter(slot=Slot.LIVE).first()
        if rule_set is None:
            raise CommandError("no such rule set (and none is live)")
        text = dump_rule_file(note=rule_set.note, rules=selectors.rules_of(rule_set), policy=rule_set.policy)
        if options["file"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["file"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"exported v{rule_set.pk} ({rule_set.rule_count} rules) to {options['file']}")
