"""A unit account acts for its credit code only once an administrator has verified it."""

import pytest
from django.urls import reverse

from tests import factories
from workflow import services
from workflow.exceptions import NotPermitted
from workflow.models import AppState, AuditEvent, EmployerMembership

pytestmark = pytest.mark.django_db

UNVERIFIED = "单位账号尚未核验，暂不能确认职工申报"


@pytest.fixture
def awaiting(round2020, applicant, employer):
    return factories.ApplicationFactory(
        round=round2020, applicant=applicant, employer=employer, state=AppState.AWAITING_EMPLOYER
    )


@pytest.fixture
def superuser_admin(administrator):
    administrator.is_superuser = True  # model permissions for the admin site
    administrator.save()
    return administrator


def membership_of(user) -> EmployerMembership:
    return EmployerMembership.objects.get(user=user)


def test_the_confirmation_service_refuses_an_unverified_unit(
    unverified_unit_admin, awaiting, clock
):
    with pytest.raises(NotPermitted, match=UNVERIFIED):
        services.employer_confirm_affiliation(application=awaiting, actor=unverified_unit_admin)
    with pytest.raises(NotPermitted, match=UNVERIFIED):
        services.employer_reject_affiliation(
            application=awaiting, actor=unverified_unit_admin, reason="查无此人"
        )
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.AWAITING_EMPLOYER
    assert not AuditEvent.objects.filter(object_type="workflow.application").exists()


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_an_unverified_unit_posting_by_hand_is_refused_with_the_message(
    login, unverified_unit_admin, awaiting, clock, action
):
    response = login(unverified_unit_admin).post(
        f"/unit/applications/{awaiting.pk}/{action}/", {"reason": "查无此人"}, follow=True
    )
    assert UNVERIFIED in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.AWAITING_EMPLOYER


def test_an_unverified_unit_sees_the_notice_and_none_of_its_applicants(
    login, unverified_unit_admin, awaiting, clock
):
    client = login(unverified_unit_admin)
    page = client.get("/unit/").content.decode()
    assert 'id="unverified-notice"' in page
    assert UNVERIFIED in page
    assert "营业执照" in page
    assert awaiting.applicant.name not in page
    assert "确认隶属关系</button>" not in page
    detail = client.get(f"/unit/applications/{awaiting.pk}/", follow=True).content.decode()
    assert UNVERIFIED in detail
    assert awaiting.applicant.name not in detail


def test_a_newly_registered_unit_is_not_verified(client, clock):
    from ranking.policy.identity import make_credit_code

    client.post(
        "/register/unit/",
        {
            "credit_code": make_credit_code("91110105MA0088888"),
            "unit_name": "北京新注册科技有限公司",
            "contact_name": "赵经办",
            "username": "zhao_unit",
            "email": "zhao@example.cn",
            "password1": "Kq7#vLp2mZ9x",
            "password2": "Kq7#vLp2mZ9x",
        },
    )
    membership = EmployerMembership.objects.get(user__username="zhao_unit")
    assert not membership.is_verified
    assert UNVERIFIED in client.get("/unit/").content.decode()


def test_administrator_verifies_with_the_admin_action_then_the_unit_confirms(
    client, login, superuser_admin, unverified_unit_admin, awaiting, clock
):
    membership = membership_of(unverified_unit_admin)
    client.force_login(superuser_admin)
    response = client.post(
        reverse("admin:workflow_employermembership_changelist"),
        {"action": "verify_selected", "_selected_action": [membership.pk]},
        follow=True,
    )
    assert "已核验 1 名单位经办人" in response.content.decode()
    membership.refresh_from_db()
    assert membership.verified_by == superuser_admin
    assert membership.verified_at is not None
    event = AuditEvent.objects.get(action="employer.membership_verify")
    assert (event.actor, event.object_id) == (superuser_admin, str(membership.pk))
    assert event.after["credit_code"] == awaiting.employer.credit_code

    login(unverified_unit_admin).post(f"/unit/applications/{awaiting.pk}/confirm/")
    awaiting.refresh_from_db()
    assert awaiting.state == AppState.FILLING


def test_verifying_twice_writes_one_audit_row(superuser_admin, unverified_unit_admin):
    membership = membership_of(unverified_unit_admin)
    services.employer_membership_verify(membership=membership, actor=superuser_admin)
    first = membership.verified_at
    services.employer_membership_verify(membership=membership, actor=superuser_admin)
    membership.refresh_from_db()
    assert membership.verified_at == first
    assert AuditEvent.objects.filter(action="employer.membership_verify").count() == 1


def test_administrator_verifies_and_withdraws_with_the_change_page_buttons(
    client, superuser_admin, unverified_unit_admin
):
    membership = membership_of(unverified_unit_admin)
    client.force_login(superuser_admin)

    def press(name: str, reason: str):
        return client.post(
            reverse("admin:workflow_employermembership_transition", args=[membership.pk, name]),
            {"reason": reason},
        )

    press("verify", "营业执照原件与授权书已核")
    membership.refresh_from_db()
    assert membership.is_verified
    press("unverify", "经办人已离职")
    membership.refresh_from_db()
    assert not membership.is_verified
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "employer.membership_verify",
        "employer.membership_unverify",
    ]
    assert AuditEvent.objects.get(action="employer.membership_unverify").reason == "经办人已离职"


@pytest.mark.parametrize("persona", ["unit_admin", "unverified_unit_admin", "applicant"])
def test_only_administrators_verify_unit_accounts(request, persona, unverified_unit_admin):
    user = request.getfixturevalue(persona)
    membership = membership_of(unverified_unit_admin)
    with pytest.raises(NotPermitted):
        services.employer_membership_verify(
            membership=membership, actor=getattr(user, "user", user)
        )
    membership.refresh_from_db()
    assert not membership.is_verified
    assert not AuditEvent.objects.filter(action="employer.membership_verify").exists()


def test_verification_cannot_be_set_by_editing_the_membership_in_the_admin(
    client, superuser_admin, unverified_unit_admin
):
    # The verified fields are not editable: only the audited action sets them.
    membership = membership_of(unverified_unit_admin)
    client.force_login(superuser_admin)
    page = client.get(
        reverse("admin:workflow_employermembership_change", args=[membership.pk])
    ).content.decode()
    assert 'name="verified_at"' not in page
    assert 'name="verified_by"' not in page


def test_a_reason_with_a_nul_character_is_refused_naming_the_field(
    client, superuser_admin, unverified_unit_admin
):
    # Found by tests/test_fuzz_endpoints.py: the NUL reached the audit row (500 on PostgreSQL).
    membership = membership_of(unverified_unit_admin)
    client.force_login(superuser_admin)
    response = client.post(
        reverse("admin:workflow_employermembership_transition", args=[membership.pk, "verify"]),
        {"reason": "已核\x00"},
        follow=True,
    )
    assert "原因：不能包含空字符" in response.content.decode()
    membership.refresh_from_db()
    assert not membership.is_verified
    assert not AuditEvent.objects.filter(action="employer.membership_verify").exists()
