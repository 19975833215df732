"""Train the credit score model on the generated data set, print its hold-out AUC, register it."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from credit import ml, services
from credit.models import ScoreModel, Slot


class Command(BaseCommand):
    help = "Train the scikit-learn credit score model (see credit.ml.generate) and register the artefact."

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=50_000)
        parser.add_argument("--seed", type=int, default=20_240_601)
        slot = parser.add_mutually_exclusive_group()
        slot.add_argument("--activate", action="store_true", help="make the new model live")
        slot.add_argument("--shadow", action="store_true", help="run the new model in shadow")
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing if a live model exists and its artefact loads",
        )

    def handle(self, *args, **options):
        if options["if_missing"]:
            live = ScoreModel.objects.filter(slot=Slot.LIVE).first()
            if live is not None:
                try:
                    ml.load(live)
                    self.stdout.write(f"live model v{live.pk} present (AUC {live.auc:.3f})")
                    return
                except ml.ArtefactError as exc:
                    self.stderr.write(f"{exc}: training a new one")
            options["activate"] = True
        trained = ml.train(samples=options["samples"], seed=options["seed"])
        model = services.score_model_register(trained=trained, actor=None)
        self.stdout.write(
            f"model v{model.pk}: {options['samples']} generated applications (seed {options['seed']}, "
            f"{trained.positives:.1%} unpaid), hold-out AUC {trained.auc:.4f}, artefact {trained.path}"
        )
        if options["activate"] or options["shadow"]:
            slot = Slot.LIVE if options["activate"] else Slot.SHADOW
            services.score_model_activate(model=model, slot=slot, actor=None)
            self.stdout.write(f"model v{model.pk} is now {slot}")
