"""Identity numbers (GB 11643) and credit codes (GB 32100) refused with the field named;
the audit log is append-only."""

import pytest
from django.core.exceptions import ValidationError

from tests import factories
from workflow import services
from workflow.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db

VALID_ID = "110105198507120036"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("110105198507120035", "校验位错误"),
        ("11010519850712003", "18 位"),
        ("110105198513120036", "出生日期无效"),
        ("11010519850712003A", "最后一位"),
    ],
)
def test_bad_identity_number_refused_with_field_named(raw, why):
    user = factories.UserFactory()
    with pytest.raises(ValidationError) as exc:
        services.applicant_register(user=user, id_number=raw, name="王小明")
    assert "id_number" in exc.value.message_dict
    message = exc.value.message_dict["id_number"][0]
    assert message.startswith("公民身份号码无效")
    assert why in message


def test_valid_identity_number_derives_birth_date_and_gender():
    applicant = services.applicant_register(
        user=factories.UserFactory(), id_number=VALID_ID.lower(), name="王小明"
    )
    assert applicant.birth_date.isoformat() == "1985-07-12"
    assert applicant.gender == "M"
    assert AuditEvent.objects.filter(action="applicant.register").exists()


def test_woman_needs_a_job_category():
    import datetime as dt

    from ranking.policy.identity import make_id_number

    woman = make_id_number("110105", dt.date(1990, 3, 3), 7, "F")
    with pytest.raises(ValidationError) as exc:
        services.applicant_register(user=factories.UserFactory(), id_number=woman, name="李小红")
    assert "female_job" in exc.value.message_dict
    applicant = services.applicant_register(
        user=factories.UserFactory(), id_number=woman, name="李小红", female_job="cadre"
    )
    assert applicant.gender == "F"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("91110105MA01ABCD14", "校验位错误"),
        ("91110105MA01ABCD1", "18 位"),
        ("91110105MA01ABCDI3", "不允许的字符"),
    ],
)
def test_bad_credit_code_refused_with_field_named(raw, why):
    with pytest.raises(ValidationError) as exc:
        services.employer_register(credit_code=raw, name="北京示例科技有限公司")
    assert "credit_code" in exc.value.message_dict
    message = exc.value.message_dict["credit_code"][0]
    assert message.startswith("统一社会信用代码无效")
    assert why in message


def test_valid_credit_code_registers():
    employer = services.employer_register(
        credit_code="91110105ma01abcd13", name="北京示例科技有限公司"
    )
    assert employer.credit_code == "91110105MA01ABCD13"


@pytest.fixture
def event(administrator):
    services.round_create(year=2021, quota=1, actor=administrator)
    return AuditEvent.objects.get(action="round.create")


def test_audit_rows_cannot_be_changed(event):
    event.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")


def test_audit_rows_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
