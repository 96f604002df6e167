"""Resident ID numbers (GB 11643), mainland phone numbers, and their masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from fengqiao.core.validators import (
    id_birth_date,
    id_check_char,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_id_number,
    validate_phone,
)
from fengqiao.testing.factories import valid_id_number

# Checked by hand against the GB 11643 weights: 17 digits, then the mod-11 check character.
ID_ENDING_X = "32028119900307123X"
ID_ENDING_X_2 = "11010519850202001X"
ID_ENDING_0 = "440301200002090080"


def _code(value, validator):
    with pytest.raises(ValidationError) as exc:
        validator(value)
    return exc.value.code


# --- ID numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", [ID_ENDING_X, ID_ENDING_X_2, ID_ENDING_0, valid_id_number()])
def test_valid_id_numbers_pass(number):
    validate_id_number(number)


def test_check_char_can_be_x_and_digits():
    assert id_check_char("32028119900307123") == "X"
    assert id_check_char("11010519850202001") == "X"
    assert id_check_char("44030120000209008") == "0"


def test_factory_id_number_is_valid_and_ends_with_its_check_char():
    number = valid_id_number("44030120000209008")
    assert number == ID_ENDING_0
    validate_id_number(number)


def test_lowercase_x_is_normalised_and_accepted():
    lower = ID_ENDING_X.lower()
    assert lower.endswith("x")
    validate_id_number(lower)
    assert normalize_id_number(lower) == ID_ENDING_X
    assert normalize_id_number(" 3202 8119 9003 0712 3x ") == ID_ENDING_X


@pytest.mark.parametrize(
    "number",
    [
        "320281199003071230",  # should end in X
        "320281199003071231",
        "110105198502020019",  # should end in X
        "440301200002090081",
    ],
)
def test_wrong_checksum_is_refused(number):
    assert _code(number, validate_id_number) == "id_checksum"


def _with_birth(birth: str, region="320281", seq="123") -> str:
    body = region + birth + seq
    return body + id_check_char(body)


@pytest.mark.parametrize("birth", ["19990230", "20010229", "19991301", "19990000", "19990132"])
def test_impossible_birth_date_is_refused_even_with_correct_checksum(birth):
    assert _code(_with_birth(birth), validate_id_number) == "id_birth"


def test_leap_day_birth_date_is_accepted():
    validate_id_number(_with_birth("20000229"))
    assert id_birth_date(_with_birth("20000229")) == datetime.date(2000, 2, 29)


def test_birth_date_in_the_future_or_before_1900_is_refused():
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert _code(_with_birth(tomorrow.strftime("%Y%m%d")), validate_id_number) == "id_birth"
    assert _code(_with_birth("18991231"), validate_id_number) == "id_birth"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "32028119900307123",  # 17 characters
        "32028119900307123X1",  # 19 characters
        "320281900307123",  # old 15-digit form
        "3202811990030712X3",  # X not at the end
        "32028119900307123A",
        "3202811990O307123X",  # letter O for zero
    ],
)
def test_wrong_length_or_characters_is_refused(number):
    assert _code(number, validate_id_number) == "id_format"


def test_invalid_region_code_is_refused():
    assert _code(_with_birth("19900307", region="000000"), validate_id_number) == "id_region"
    assert _code(_with_birth("19900307", region="100000"), validate_id_number) == "id_region"


# --- Phone numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13812345678",
        "19912345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "138-1234-5678",
        "0510-86801234",
        "051086801234",
        "010-12345678",
        "021-1234567",
        "0510-86801234-123",
    ],
)
def test_valid_phone_numbers_pass(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "12812345678",  # mobile numbers start 13-19
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "86801234",  # landline without area code
        "0510-123",  # too short
        "510-86801234",  # area code must start with 0
        "abcdefghijk",
        "+1 415 555 0100",
    ],
)
def test_bad_phone_numbers_are_refused(phone):
    assert _code(phone, validate_phone) == "phone"


def test_normalize_phone_strips_country_code_and_separators_of_mobiles_only():
    assert normalize_phone("+86 138-1234-5678") == "13812345678"
    assert normalize_phone("008613812345678") == "13812345678"
    assert normalize_phone("0510-86801234") == "0510-86801234"


# --- Masking -----------------------------------------------------------------------------------------


def test_mask_id_number_keeps_region_prefix_and_last_four():
    assert mask_id_number(ID_ENDING_X) == "3202**********123X"
    assert mask_id_number(ID_ENDING_X.lower()) == "3202**********123X"
    assert mask_id_number(ID_ENDING_0) == "4403**********0080"
    assert len(mask_id_number(ID_ENDING_0)) == 18


def test_mask_id_number_of_empty_and_short_values():
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("1234567") == "*******"


def test_mask_phone_mobile():
    assert mask_phone("13800001234") == "138****1234"
    assert mask_phone("+86 138 0000 1234") == "138****1234"


def test_mask_phone_landline_keeps_last_four_only():
    masked = mask_phone("0510-86801234")
    assert masked.endswith("1234")
    assert "0510" not in masked
    assert set(masked[:-4]) == {"*"}


def test_mask_phone_of_empty_and_short_values():
    assert mask_phone("") == ""
    assert mask_phone(None) == ""
    assert mask_phone("110") == "110"
