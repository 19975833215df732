"""``makemessages`` that also extracts the API's error messages: the third argument of every
``errors.define(code, status, message)`` (Django's documented way: extend ``xgettext_options``)."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=define:3"]
