"""A complete, valid demand form submission; tests override single fields."""
import datetime as dt

VALID = (dt.date.today() + dt.timedelta(days=90)).isoformat()


def demand_form(**overrides):
    data = {
        "title": "风电叶片覆冰监测与除冰技术", "summary": "寻求叶片覆冰在线监测与低能耗除冰方案。",
        "problem": "冬季叶片覆冰导致发电量下降，现有加热除冰能耗高。", "current_situation": "人工巡检。",
        "target_indicators": "覆冰识别准确率≥95%", "field_code": "T06", "industry": "D:44",
        "keywords": "覆冰, 除冰，风电叶片", "region_code": "150100", "budget_min": "50", "budget_max": "120.5",
        "cooperation_modes": ["joint_dev", "transfer"], "required_trl": "6", "valid_until": VALID,
        "contact_name": "李工", "contact_phone": "13900000000", "contact_email": "li@example.cn",
    }
    data.update(overrides)
    return data
