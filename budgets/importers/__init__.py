"""Cost-file importers, one per outside format, behind one interface (``base.Importer``)."""

from budgets.importers.aws_cur import AwsCurImporter
from budgets.importers.base import CostRow, Importer, ImportFileError, Rejected
from budgets.importers.focus import FocusImporter

IMPORTERS: dict[str, Importer] = {"focus": FocusImporter(), "aws-cur": AwsCurImporter()}

__all__ = ["IMPORTERS", "CostRow", "ImportFileError", "Importer", "Rejected"]
