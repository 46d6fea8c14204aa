"""Technology contracts (技术合同) and their registration (认定登记)."""
from __future__ import annotations

from tt_platform.contracts.models import PAYMENT_MODES, PAYMENT_MODES_EN
from tt_platform.i18n import locale_code


def payment_label(code: str) -> str:
    return (PAYMENT_MODES_EN if locale_code() == "en" else PAYMENT_MODES).get(code, code)


def init_app(app) -> None:
    app.jinja_env.globals.update(payment_label=payment_label)
