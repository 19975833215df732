import logging

from portal.logging import RedactCardNumbers, redact_pans


def test_card_numbers_are_masked_wherever_they_appear():
    assert redact_pans("pan=4111111111111111.") == "pan=************1111."
    assert redact_pans("4111 1111 1111 1111") == "************1111"
    assert redact_pans("4111-1111-1111-1111,") == "************1111,"
    assert redact_pans("amex 378282246310005") == "amex ***********0005"


def test_other_numbers_are_left_alone():
    assert redact_pans("took 0.0135462198327105 s") == "took 0.0135462198327105 s"  # a Luhn-valid fraction
    assert redact_pans("order 1234567890123") == "order 1234567890123"  # not Luhn-valid
    assert redact_pans("corporate 7000012050002") == "corporate 7000012050002"


def test_the_filter_redacts_messages_arguments_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "card %s", ("4111111111111111",), None)
    try:
        raise ValueError("bad card 5555555555554444")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert RedactCardNumbers().filter(record)
    text = record.getMessage()
    assert "4111111111111111" not in text and "************1111" in text
    assert "5555555555554444" not in text and "************4444" in text
