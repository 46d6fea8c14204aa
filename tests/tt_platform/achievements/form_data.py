"""A complete, valid research-result form submission (with one IP record); tests override single fields."""
from tests.tt_platform.demands.form_data import VALID


def result_form(**overrides):
    data = {
        "title": "基于光纤传感的叶片覆冰监测系统", "summary": "光纤光栅传感实时监测叶片覆冰厚度。",
        "description": "详细技术方案：光纤光栅传感器阵列……", "field_code": "T06", "keywords": "覆冰,光纤传感",
        "region_code": "110100", "trl": "6", "asking_price": "200", "cooperation_modes": ["license"],
        "valid_until": VALID, "contact_name": "赵老师", "contact_phone": "010-62700000",
        "ip_records-0-ip_type": "invention_patent", "ip_records-0-number": "ZL202010123456.7",
        "ip_records-0-title": "一种覆冰监测装置", "ip_records-0-status": "granted",
    }
    data.update(overrides)
    return data
