"""Administrative region codes (GB/T 2260: six digits, province · city · county)."""
from __future__ import annotations


def region_prefixes(code: str | None) -> list[str]:
    """'330106' → ['33', '3301', '330106']: a filter on any level finds the levels below."""
    if not code or len(code) != 6:
        return []
    return sorted({code[:2], code[:4], code})
