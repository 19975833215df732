"""Which project a cost row belongs to: the allocation rules, by ascending priority, first match wins."""

from __future__ import annotations

import json
from dataclasses import dataclass

from budgets.models import AllocationRule

# Providers write user-defined tag keys with a prefix (AWS: "user:project"); a rule on
# "project" matches those too.
TAG_PREFIXES = ("", "user:", "user_")


@dataclass(frozen=True)
class CompiledRule:
    project_id: int
    sub_account_id: str
    tag_key: str
    tag_value: str

    def matches(self, sub_account_id: str, tags: dict[str, str]) -> bool:
        if self.sub_account_id and self.sub_account_id != sub_account_id:
            return False
        if self.tag_key:
            return any(tags.get(prefix + self.tag_key) == self.tag_value for prefix in TAG_PREFIXES)
        return True


class Allocator:
    """The rules in force, compiled once per import; answers are cached per (sub-account, tags)."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = rules
        self._cache: dict[tuple[str, str], int | None] = {}

    @classmethod
    def current(cls) -> Allocator:
        return cls(
            [
                CompiledRule(r.project_id, r.sub_account_id, r.tag_key, r.tag_value)
                for r in AllocationRule.objects.order_by("priority")
            ]
        )

    def project_for(self, sub_account_id: str, tags_json: str) -> int | None:
        key = (sub_account_id, tags_json)
        if key in self._cache:
            return self._cache[key]
        tags = json.loads(tags_json) if tags_json != "{}" else {}
        found = next((r.project_id for r in self.rules if r.matches(sub_account_id, tags)), None)
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = found
        return found
