"""Platforms and tenants made with the ORM, and a complete fincode examination (V2)."""

from __future__ import annotations

import copy

from portal.models import Merchant
from tests.support import MerchantKeys, make_merchant


def make_platform(name: str = "Mall") -> MerchantKeys:
    keys = make_merchant(name=name, approved=True)
    Merchant.objects.filter(pk=keys.merchant.pk).update(shop_type=Merchant.ShopType.PLATFORM)
    keys.merchant.refresh_from_db()
    return keys


def make_tenant(platform: MerchantKeys, name: str = "Tenant") -> MerchantKeys:
    keys = make_merchant(name=name, approved=False)
    Merchant.objects.filter(pk=keys.merchant.pk).update(
        shop_type=Merchant.ShopType.TENANT, platform=platform.merchant
    )
    keys.merchant.refresh_from_db()
    return keys


_INFO = {
    "contract_info": {
        "representative_last_name": "山田", "representative_last_name_kana": "ヤマダ",
        "representative_first_name": "太郎", "representative_first_name_kana": "タロウ",
        "representative_postal_code": "123-4567", "representative_prefecture": "東京都",
        "representative_prefecture_kana": "トウキョウト", "representative_address_municipality": "渋谷区",
        "representative_address_municipality_kana": "シブヤク", "representative_address_section": "道玄坂",
        "representative_address_section_kana": "ドウゲンザカ", "representative_address_chrome": "1-2-3",
        "representative_address_chrome_kana": "イチニサン", "representative_tel": "09012345678",
        "representative_birthday": "1980/11/01", "representative_gender": 0,
        "staff1_last_name": "鈴木", "staff1_last_name_kana": "スズキ", "staff1_first_name": "次郎",
        "staff1_first_name_kana": "ジロウ", "staff1_company_name": "株式会社テスト", "staff1_belongs": "EC運営部",
        "staff1_tel": "08012345678", "staff1_mail": "staff-1@example.com",
        "corporate": True,
        "corporate_info": {
            "corporate_number": "7000012050002", "corporate_name": "株式会社テスト",
            "corporate_name_kana": "カブシキガイシャテスト", "company_postal_code": "150-0043",
            "company_prefecture": "東京都", "company_prefecture_kana": "トウキョウト",
            "company_address_municipality": "渋谷区", "company_address_municipality_kana": "シブヤク",
            "company_address_section": "道玄坂", "company_address_section_kana": "ドウゲンザカ",
            "company_address_chrome": "1-2-3", "company_address_chrome_kana": "イチニサン",
            "company_tel": "0312345678", "capital": 1000000, "established_at": "2018/11/01",
            "yearly_sales": 100000000, "business_details": "雑貨の販売",
        },
    },
    "shop_info": {
        "shop_name": "テストショップ", "shop_name_kana": "テストショップ", "shop_name_en": "TEST SHOP",
        "support_mail": "support@example.com", "support_tel": "0312345678", "unit_price": 3000,
        "deals_long_apply_content": False, "deals_insecure_content": True, "lost_trial": False,
        "use_of_fincode": {"used_on_web": True, "used_on_app": False},
        "site_published": True, "site_info": {"url": "https://shop.example.com/"},
        "provides": {"product": True, "service": False, "digital_contents": False},
        "content_description": "雑貨",
    },
    "bank_account_info": {
        "bank_code": "0001", "branch_code": "001", "account_kind": 0, "account_number": "1234567",
        "account_name": "カ)テスト",
    },
    "deposit_cycle_info": {"deposit_cycle_master_id": 1},
}  # fmt: skip


def full_info() -> dict:
    return copy.deepcopy(_INFO)
