"""The public status page: HTML, JSON and an Atom feed, anonymous, from stored results only."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from status import selectors
from status.models import Incident, Maintenance

_public = cache_control(public=True, max_age=15)


@_public
@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    return render(request, "status/status.html", {"status": selectors.status_summary()})


@_public
@require_GET
def status_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.status_summary(), json_dumps_params={"ensure_ascii": False})


class StatusFeed(Feed):
    feed_type = Atom1Feed
    title = "Merchant Portal status: incidents and maintenance"
    subtitle = "Incidents and maintenance notices of the Merchant Portal payment service."

    def link(self) -> str:
        return reverse("status-page")

    def items(self) -> list[Incident | Maintenance]:
        return selectors.feed_items()

    def item_title(self, item: Incident | Maintenance) -> str:
        if isinstance(item, Incident):
            return f"[{item.get_status_display()}] {item.title}"
        return f"[Maintenance] {item.title}"

    def item_description(self, item: Incident | Maintenance) -> str:
        if isinstance(item, Incident):
            return "\n".join(
                f"{u.created_at:%Y-%m-%d %H:%M} UTC — {u.get_status_display()}: {u.message}"
                for u in item.updates.all()
            )
        return f"{item.starts_at:%Y-%m-%d %H:%M} – {item.ends_at:%Y-%m-%d %H:%M} UTC. {item.message}".strip()

    def item_link(self, item: Incident | Maintenance) -> str:
        return f"{reverse('status-page')}#{item.public_id}"

    def item_guid(self, item: Incident | Maintenance) -> str:
        return f"urn:merchant-portal:status:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Incident | Maintenance):
        return item.created_at

    def item_updateddate(self, item: Incident | Maintenance):
        return item.updated_at

    def item_categories(self, item: Incident | Maintenance) -> list[str]:
        return ["incident" if isinstance(item, Incident) else "maintenance", *item.components]


status_feed = _public(StatusFeed())
