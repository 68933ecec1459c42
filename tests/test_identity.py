"""Enterprise identity: our own GB 32100-2015 validator (cross-checked against python-stdnum),
name normalisation and the probable-duplicate lookup."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidFormat

from wutong.enterprises.identity import (
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    USCC_WEIGHTS,
    compact_uscc,
    find_probable_duplicates,
    is_valid_uscc,
    normalize_name,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)
from wutong.enterprises.models import Enterprise, FormerName

REAL_CODES = ["91440300708461136T", "914403001922038216"]  # 深圳 public registrations


def with_check(first17: str) -> str:
    return first17 + uscc_check_char(first17)


# --- The validator ------------------------------------------------------------------------------


def test_weights_are_powers_of_three_mod_31():
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(USCC_ALPHABET) == 31 and not set("IOZSV") & set(USCC_ALPHABET)


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_public_codes_are_valid_for_us_and_for_stdnum(code):
    result = validate_uscc(code)
    assert result.valid and result.errors == [] and result.warnings == []
    assert stdnum_uscc.is_valid(code)


def test_stdnum_documentation_example_is_valid():
    assert is_valid_uscc("91110000600037341L")


def _digit_prefixed_codes():
    authorities = [a for a in USCC_AUTHORITIES if a.isdigit()]

    @st.composite
    def build(draw):
        authority = draw(st.sampled_from(authorities))
        category = draw(st.sampled_from(sorted(USCC_AUTHORITIES[authority][1])))
        region = draw(st.text("0123456789", min_size=6, max_size=6))
        body = draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
        return with_check(authority + category + region + body)

    return build()


@settings(max_examples=300, deadline=None)
@given(_digit_prefixed_codes())
def test_random_valid_codes_with_digit_prefixes_are_accepted_by_us_and_by_stdnum(code):
    assert is_valid_uscc(code)
    assert stdnum_uscc.is_valid(code)
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["A", "N", "Y"]).flatmap(
        lambda a: st.tuples(
            st.just(a),
            st.sampled_from(sorted(USCC_AUTHORITIES[a][1])),
            st.text("0123456789", min_size=6, max_size=6),
            st.text(USCC_ALPHABET, min_size=9, max_size=9),
        )
    )
)
def test_codes_with_a_leading_letter_are_accepted_by_us_but_wrongly_rejected_by_stdnum(parts):
    code = with_check("".join(parts))
    assert is_valid_uscc(code)
    assert not stdnum_uscc.is_valid(code)
    with pytest.raises(InvalidFormat):
        stdnum_uscc.validate(code)
    # stdnum's own checksum agrees with ours; only its format rule (8 leading digits) is wrong.
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]


@pytest.mark.parametrize("code", ["Y1440300MA5D00000C", "N2440300MA5D00000H"])
def test_letter_authority_examples_from_the_reference_are_valid(code):
    assert is_valid_uscc(code)
    assert not stdnum_uscc.is_valid(code)


@pytest.mark.parametrize("code", [*REAL_CODES, "91110000600037341L", "Y1440300MA5D00000C"])
def test_any_single_character_change_is_rejected(code):
    for position in range(18):
        for replacement in USCC_ALPHABET:
            if replacement == code[position]:
                continue
            mutated = code[:position] + replacement + code[position + 1 :]
            assert not is_valid_uscc(mutated), mutated


@settings(max_examples=300, deadline=None)
@given(_digit_prefixed_codes(), st.integers(0, 17), st.integers(1, 30))
def test_a_single_character_change_of_any_random_valid_code_is_rejected(code, position, shift):
    replacement = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(mutated)
    assert not stdnum_uscc.is_valid(mutated)  # the mod-31 check catches every single substitution


def test_a_wrong_check_character_says_which_one_is_expected():
    result = validate_uscc("91440300708461136A")
    assert not result.valid
    assert result.errors == ["校验码错误：第18位应为“T”，实际为“A”"]


def test_wrong_length_and_forbidden_letters_are_errors():
    assert validate_uscc("9144030070846113").errors == ["统一社会信用代码应为18位，实际为16位"]
    result = validate_uscc("91440300708461136I")
    assert not result.valid and "第18位字符“I”不合法" in result.errors[0]
    assert not is_valid_uscc("")
    assert not is_valid_uscc(None)


def test_category_must_fit_the_registration_authority():
    # 9 (工商) has categories 1, 2, 3 only; Y (其他) has only 1.
    result = validate_uscc(with_check("94440300708461136"))
    assert not result.valid
    assert "第2位机构类别代码“4”不适用于登记管理部门“工商”" in result.errors[0]
    assert not is_valid_uscc(with_check("Y2440300MA5D00000"))
    assert not is_valid_uscc(with_check("B1440300MA5D00000"))  # B is no authority


def test_region_must_be_six_digits():
    result = validate_uscc(with_check("914403A0708461136"))
    assert not result.valid
    assert any("行政区划码应为6位数字" in e for e in result.errors)


def test_failing_embedded_org_code_check_warns_but_does_not_reject():
    # Body 70846113 carries check 6 (GB 11714); change the check to 7 and recompute position 18.
    assert org_code_check_char("70846113") == "6"
    code = with_check("91440300708461137")
    result = validate_uscc(code)
    assert result.valid
    assert result.errors == []
    assert result.warnings == ["第9–17位组织机构代码的校验位应为“6”，实际为“7”，请核实"]


def test_org_code_check_maps_ten_to_x_and_eleven_to_zero():
    # Σ(Ci·Wi) ≡ 1 mod 11 gives 10 → 'X'; ≡ 0 gives 11 → '0'; otherwise 11 − Σ mod 11.
    assert org_code_check_char("00000006") == "X"  # 6·2 = 12 ≡ 1
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000005") == "1"  # 5·2 = 10 → 11 − 10


def test_org_code_letters_count_as_ascii_minus_55():
    # 'A' = 10 in position 1 (weight 3): 30 mod 11 = 8 → 11 − 8 = 3.
    assert org_code_check_char("A0000000") == "3"


def test_unknown_province_is_a_warning():
    result = validate_uscc(with_check("91990300708461136"))
    assert result.valid
    assert any("省级代码不存在" in w for w in result.warnings)


def test_compact_strips_spaces_hyphens_and_full_width():
    assert compact_uscc(" ９１４４０３００－７０８４６１１３６ｔ ") == "91440300708461136T"
    assert compact_uscc("9144 0300-7084 6113 6t") == "91440300708461136T"
    assert is_valid_uscc("９１４４０３００７０８４６１１３６Ｔ")
    assert validate_uscc("9144-0300-7084-6113-6t").code == "91440300708461136T"


# --- Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "normalised"),
    [
        pytest.param("深圳市梧桐科技有限公司", "梧桐科技", id="深圳市 prefix, 有限公司 suffix"),
        pytest.param("深圳梧桐科技有限公司", "梧桐科技", id="深圳 prefix"),
        pytest.param("(深圳)梧桐科技有限公司", "梧桐科技", id="half-width bracketed prefix"),
        pytest.param("（深圳）梧桐科技有限公司", "梧桐科技", id="full-width bracketed prefix"),
        pytest.param("梧桐科技（深圳）有限公司", "梧桐科技", id="bracketed region before the suffix"),
        pytest.param("梧桐科技有限责任公司", "梧桐科技", id="有限责任公司"),
        pytest.param("深圳市梧桐科技股份有限公司", "梧桐科技", id="股份有限公司"),
        pytest.param("广东省深圳市梧桐科技有限公司", "梧桐科技", id="province and city"),
        pytest.param("深圳市 梧桐 科技 有限公司", "梧桐科技", id="spaces"),
        pytest.param("深圳市梧桐科技\u3000有限公司", "梧桐科技", id="ideographic space"),
        pytest.param("深圳市騰訊計算機系統有限公司", "腾讯计算机系统", id="traditional to simplified"),
        pytest.param("ＡＢＣ科技有限公司", "ABC科技", id="full-width letters"),
        pytest.param("abc科技有限公司", "ABC科技", id="lower case"),
        pytest.param("梧桐【科技】有限公司", "梧桐科技", id="square brackets"),
        pytest.param("深圳公司", "公司", id="never strips to nothing"),
        pytest.param("", "", id="empty"),
    ],
)
def test_name_variants_normalise_to_one_identity(variant, normalised):
    assert normalize_name(variant) == normalised


def test_different_firms_stay_different():
    assert normalize_name("深圳市梧桐科技有限公司") != normalize_name("深圳市梧桐软件有限公司")


@pytest.mark.django_db
def test_probable_duplicates_match_on_name_and_on_former_name():
    first = Enterprise.objects.create(uscc="91440300708461136T", name="深圳市梧桐科技有限公司")
    second = Enterprise.objects.create(uscc="914403001922038216", name="深圳市凤凰实业有限公司")
    FormerName.objects.create(enterprise=second, name="深圳市梧桐科技股份有限公司")
    Enterprise.objects.create(uscc="91110000600037341L", name="北京某某有限公司")

    matches = list(find_probable_duplicates("（深圳）梧桐科技有限责任公司"))
    assert matches == [second, first] or set(matches) == {first, second}
    assert len(matches) == 2
    assert list(find_probable_duplicates("深圳市梧桐科技有限公司", exclude_pk=first.pk)) == [second]
    assert list(find_probable_duplicates("深圳市梧桐软件有限公司")) == []
    assert list(find_probable_duplicates("")) == []


@pytest.mark.django_db
def test_an_enterprise_with_two_matching_former_names_is_listed_once():
    firm = Enterprise.objects.create(uscc="91440300708461136T", name="深圳市凤凰实业有限公司")
    FormerName.objects.create(enterprise=firm, name="深圳市梧桐科技有限公司")
    FormerName.objects.create(enterprise=firm, name="梧桐科技（深圳）有限公司")
    assert list(find_probable_duplicates("梧桐科技有限公司")) == [firm]
