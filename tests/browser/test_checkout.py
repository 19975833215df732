"""The test checkout page tokenises a card in the browser with the public key; the server pays with the token."""

import pytest

from payments.models import CardToken
from tests.support import ApiClient, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_checkout_tokenises_in_the_browser(browser, live_server, artifacts, settings):
    shop = make_merchant(name="Checkout Shop")
    context = browser.new_context()
    context.add_cookies([])
    page = context.new_page()
    from django.test import Client

    session = Client()
    session.force_login(shop.owner)
    cookie = session.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.goto(f"{live_server.url}/m/{shop.merchant.public_id}/checkout/")
    page.fill("#card_no", "5555 5555 5555 4444")
    page.click("#checkout button[type=submit]")
    page.wait_for_selector("#checkout-result.success")
    token = page.get_attribute("#checkout-result", "data-token")
    assert token.startswith("tk_")
    assert "MASTER ************4444" in page.inner_text("#checkout-result")
    page.screenshot(path=str(artifacts / "checkout.png"), full_page=True)
    assert CardToken.objects.get().card_no == "************4444"

    page.fill("#card_no", "4111111111111112")
    page.click("#checkout button[type=submit]")
    page.wait_for_selector("#checkout-result.error")
    assert "card_no" in page.inner_text("#checkout-result")
    context.close()

    api = ApiClient(shop.test_secret)
    # The server side, with the token from the browser (acquirer in-process is not available here:
    # the live server thread serves the simulator itself).
    settings.ACQUIRER_SIMULATOR_URL = f"{live_server.url}/simulators/acquirer"
    payment = api.call(
        "POST", "/v1/payments", {"pay_type": "Card", "job_code": "CAPTURE", "amount": "2000"}
    ).json()
    executed = api.call(
        "PUT",
        f"/v1/payments/{payment['id']}",
        {"pay_type": "Card", "access_id": payment["access_id"], "token": token},
    )
    assert executed.status_code == 200, executed.content
    assert executed.json()["status"] == "CAPTURED"
    from payments.providers import acquirer_http

    acquirer_http.set_transport(None)  # close keep-alive connections to the live server
