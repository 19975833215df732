"""portal.api.serializers.RequestSerializer: fields by shallow copy, still one set per instance."""

import threading

from rest_framework import serializers

from portal.api.serializers import RequestSerializer


class Inner(serializers.Serializer):
    code = serializers.CharField(max_length=3)


class Body(RequestSerializer):
    name = serializers.CharField(max_length=5)
    kind = serializers.ChoiceField(choices=["a", "b"], required=False)
    amount = serializers.IntegerField(min_value=1)
    inner = Inner(required=False)


def test_each_instance_has_its_own_bound_fields():
    first, second = Body(data={}), Body(data={})
    for name in ("name", "kind", "amount", "inner"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert first.fields["inner"].fields["code"] is not second.fields["inner"].fields["code"]
    # The prototypes the copies are made from stay unbound: a field handed out before binding
    # (``get_fields``, DRF's hook) carries no parent, as it would if one of them had been bound.
    assert all(getattr(field, "parent", None) is None for field in Body().get_fields().values())


def test_validation_answers_as_drf_does():
    good = Body(data={"name": "shop", "kind": "a", "amount": "12", "inner": {"code": "abc"}})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"name": "shop", "kind": "a", "amount": 12, "inner": {"code": "abc"}}
    bad = Body(data={"name": "toolong", "kind": "c", "amount": 0, "inner": {"code": "abcd"}})
    assert not bad.is_valid()
    assert set(bad.errors) == {"name", "kind", "amount", "inner"}
    assert bad.errors["name"][0].code == "max_length"
    assert bad.errors["amount"][0].code == "min_value"
    # The first instance's validators were not changed by the second's.
    assert Body(data={"name": "ok", "amount": 1}).is_valid()


def test_concurrent_validation_gives_each_thread_its_own_answer():
    failures = []

    def validate(i):
        for _ in range(200):
            serializer = Body(data={"name": "x" * (i % 7), "amount": i})
            ok = serializer.is_valid()
            expected = 0 < i % 7 <= 5 and i >= 1
            if ok != expected or (ok and serializer.validated_data["amount"] != i):
                failures.append((i, ok, serializer.errors))

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
