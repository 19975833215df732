"""Hosted pages (fincode's redirect-type payment and card registration): ``/v1/sessions`` and
``/v1/card_sessions`` make a page this product serves; the merchant sends the buyer to its ``link_url``."""
