"""Developer documentation pages that are generated from the code."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal import errors


@require_GET
def error_codes(request):
    areas = errors.AREAS
    fixed = [(spec, areas.get(spec.code[1:3], "")) for spec in errors.fixed_codes()]
    tables = [
        {"area": area, "name": areas[area], "fields": sorted(fields.items(), key=lambda kv: kv[1])}
        for area, fields in errors.field_tables().items()
    ]
    causes = sorted(((number, name, text) for name, (number, text) in errors.CAUSES.items()))
    return render(request, "portal/docs_errors.html", {"fixed": fixed, "tables": tables, "causes": causes})
