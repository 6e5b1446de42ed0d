"""The ISO 3166-1 alpha-2 country codes, to warn about a country Togai would take as it is.

Togai describes ``address.country`` as an ISO 3166-1 alpha-2 code but does not check it: a bulk
run sends what the file says and warns when it is not one of these codes. The list is the 249
officially assigned codes (ISO 3166-1, as of 2024), written here as data rather than taken from a
package (no new dependency); user-assigned codes (``XK``, ``AA``...) and the exceptionally
reserved ones (``UK``, ``EU``) are not in it.
"""

from __future__ import annotations

__all__ = ["ISO_3166_ALPHA_2", "country_problem"]

#: The codes, a line per first letter.
_BY_LETTER = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ",
    "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ",
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ",
    "DE DJ DK DM DO DZ",
    "EC EE EG EH ER ES ET",
    "FI FJ FK FM FO FR",
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY",
    "HK HM HN HR HT HU",
    "ID IE IL IM IN IO IQ IR IS IT",
    "JE JM JO JP",
    "KE KG KH KI KM KN KP KR KW KY KZ",
    "LA LB LC LI LK LR LS LT LU LV LY",
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ",
    "NA NC NE NF NG NI NL NO NP NR NU NZ",
    "OM",
    "PA PE PF PG PH PK PL PM PN PR PS PT PW PY",
    "QA",
    "RE RO RS RU RW",
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ",
    "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ",
    "UA UG UM US UY UZ",
    "VA VC VE VG VI VN VU",
    "WF WS",
    "YE YT",
    "ZA ZM ZW",
)
ISO_3166_ALPHA_2 = frozenset(code for line in _BY_LETTER for code in line.split())

#: Codes people write that ISO reserves for something else, and the code they mean.
_MEANT = {"UK": "GB", "EL": "GR"}


def country_problem(value: str) -> str | None:
    """Why ``value`` is not an ISO 3166-1 alpha-2 code (with the likely one), or None."""
    if value in ISO_3166_ALPHA_2:
        return None
    meant = _MEANT.get(value.strip().upper())
    if meant is None and value.strip().upper() in ISO_3166_ALPHA_2:
        meant = value.strip().upper()
    hint = f" (did you mean {meant}?)" if meant else ""
    return f"{value!r} is not an ISO 3166-1 alpha-2 code{hint}"
