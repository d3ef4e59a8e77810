"""Registration, login, password reset; one account per identity number; barred parties."""

import datetime as dt

import pytest
from django.core import mail

from ranking.policy.identity import make_credit_code, make_id_number, mask_id_number
from tests import factories
from workflow.models import Applicant, AppState, AuditEvent, Employer, EmployerMembership
from workflow.portal import REGISTRATION_ANSWER

pytestmark = pytest.mark.django_db

GOOD_ID = make_id_number("110105", dt.date(1985, 7, 12), 3, "M")
WOMAN_ID = make_id_number("110105", dt.date(1988, 3, 1), 4, "F")


def applicant_form(**overrides):
    data = {
        "id_number": GOOD_ID,
        "name": "王小明",
        "phone": "13800001111",
        "email": "wang@example.cn",
        "female_job": "",
        "password1": "Beijing-2020-points",
        "password2": "Beijing-2020-points",
    }
    return data | overrides


def test_applicant_registers_and_logs_in_with_the_identity_number(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/applicant/", applicant_form(), follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert REGISTRATION_ANSWER in response.content.decode()
    applicant = Applicant.objects.get()
    assert (applicant.id_number, applicant.name) == (GOOD_ID, "王小明")
    # The user name says nothing about the person: not the number, not a part of it.
    assert GOOD_ID[6:14] not in applicant.user.username
    assert AuditEvent.objects.filter(action="applicant.register").exists()
    [welcome] = mail.outbox
    assert welcome.to == ["wang@example.cn"]
    assert GOOD_ID not in welcome.body
    assert mask_id_number(GOOD_ID) in welcome.body
    response = client.post(
        "/accounts/login/",
        {"username": GOOD_ID, "password": "Beijing-2020-points"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/apply/"


def test_bad_identity_number_is_named(client):
    bad = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")
    response = client.post("/register/applicant/", applicant_form(id_number=bad))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == ["id_number"]
    assert "公民身份号码无效" in errors["id_number"][0]
    assert "校验" in errors["id_number"][0]
    assert "公民身份号码：公民身份号码无效" in response.content.decode()
    assert not Applicant.objects.exists()


def test_registering_a_registered_number_answers_the_same_and_creates_nothing(
    client, django_capture_on_commit_callbacks
):
    # The page must not tell a stranger whether a number has an account: same redirect, same
    # message; the owner is told by mail at their own address, never at the one typed.
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/register/applicant/", applicant_form(), follow=True)
    owner = Applicant.objects.get().user
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            "/register/applicant/",
            applicant_form(
                email="other@example.cn",
                name="冒名者",
                password1="Another-pass-77",
                password2="Another-pass-77",
            ),
            follow=True,
        )
    assert again.redirect_chain == first.redirect_chain
    assert [str(m) for m in again.context["messages"]] == [
        str(m) for m in first.context["messages"]
    ]
    assert REGISTRATION_ANSWER in again.content.decode()
    assert "已注册账号" not in again.content.decode()
    assert Applicant.objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password("Beijing-2020-points")  # nothing of the second form stuck
    assert owner.email == "wang@example.cn"
    [warning] = mail.outbox
    assert warning.to == ["wang@example.cn"]
    assert "该号码已有账号" in warning.body
    assert mask_id_number(GOOD_ID) in warning.body
    assert AuditEvent.objects.filter(action="applicant.register_again").count() == 1


def test_a_unit_user_name_cannot_be_an_identity_number(client, applicant):
    # It would take that person's login, and "already used" would tell who has registered.
    response = client.post(
        "/register/unit/",
        {
            "credit_code": make_credit_code("91110105MA0099998"),
            "unit_name": "北京测试科技有限公司",
            "contact_name": "张经办",
            "username": applicant.id_number.lower(),
            "email": "zhang@example.cn",
            "password1": "Beijing-2020-points",
            "password2": "Beijing-2020-points",
        },
    )
    assert response.status_code == 400
    assert "用户名不能使用公民身份号码" in response.context["form"].errors["username"][0]
    assert not EmployerMembership.objects.exists()


def test_a_woman_must_choose_worker_or_cadre(client):
    response = client.post("/register/applicant/", applicant_form(id_number=WOMAN_ID))
    assert "女性申请人须选择岗位类别" in response.context["form"].errors["female_job"][0]
    response = client.post(
        "/register/applicant/", applicant_form(id_number=WOMAN_ID, female_job="cadre")
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert Applicant.objects.get().female_job == "cadre"


def test_mismatched_passwords_are_named(client):
    response = client.post("/register/applicant/", applicant_form(password2="something-else-1"))
    assert "两次输入的密码不一致" in response.context["form"].errors["password2"][0]


def test_unit_registers_with_its_administrator(client):
    code = make_credit_code("91110105MA0099999")
    response = client.post(
        "/register/unit/",
        {
            "credit_code": code.lower(),
            "unit_name": "北京测试科技有限公司",
            "contact_name": "张经办",
            "username": "zhang_unit",
            "email": "zhang@example.cn",
            "password1": "Beijing-2020-points",
            "password2": "Beijing-2020-points",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/unit/"
    employer = Employer.objects.get()
    assert employer.credit_code == code
    assert EmployerMembership.objects.get().user.username == "zhang_unit"


def test_bad_credit_code_is_named(client):
    code = make_credit_code("91110105MA0099999")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(
        "/register/unit/",
        {
            "credit_code": wrong,
            "unit_name": "X",
            "contact_name": "Y",
            "username": "unit_x",
            "email": "x@example.cn",
            "password1": "Beijing-2020-points",
            "password2": "Beijing-2020-points",
        },
    )
    assert list(response.context["form"].errors) == ["credit_code"]
    assert "统一社会信用代码无效" in response.context["form"].errors["credit_code"][0]


def test_login_with_identity_number_goes_to_the_applicant_portal(client, applicant):
    response = client.post(
        "/accounts/login/", {"username": "applicant", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/apply/"
    assert "我的积分落户申报" in response.content.decode()


def test_wrong_password_says_so_in_chinese(client, applicant):
    response = client.post("/accounts/login/", {"username": "applicant", "password": "nope"})
    assert "密码不正确" in response.content.decode()


def test_password_reset_mails_a_link(client, applicant):
    response = client.post("/accounts/password_reset/", {"email": applicant.user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert "重设" in mail.outbox[0].subject


def test_password_change_page_is_chinese(login, applicant):
    response = login(applicant.user).get("/accounts/password_change/")
    assert "修改密码" in response.content.decode()


def test_barred_applicant_sees_why_and_until_when_and_cannot_start(
    login, applicant, employer, round2020, clock
):
    applicant.barred_until = dt.date(2024, 12, 31)
    applicant.save()
    client = login(applicant.user)
    page = client.get("/apply/").content.decode()
    assert "您目前不能申报积分落户" in page
    assert "2024年12月31日" in page
    assert "弄虚作假" in page
    assert "开始申报并提交单位确认" not in page
    response = client.post("/apply/begin/", {"credit_code": employer.credit_code}, follow=True)
    assert "2024年12月31日 前不得申报" in response.content.decode()
    assert not applicant.applications.exists()


def test_barred_unit_sees_why_and_cannot_confirm(login, unit_admin, employer, round2020, clock):
    application = factories.ApplicationFactory(
        round=round2020, employer=employer, state=AppState.AWAITING_EMPLOYER
    )
    employer.barred_until = dt.date(2025, 6, 30)
    employer.save()
    client = login(unit_admin)
    page = client.get("/unit/").content.decode()
    assert "目前不能为申请人申报" in page
    assert "2025年06月30日" in page
    response = client.post(f"/unit/applications/{application.pk}/confirm/", follow=True)
    assert "2025年06月30日 前不得为申请人申报" in response.content.decode()
    application.refresh_from_db()
    assert application.state == AppState.AWAITING_EMPLOYER


def test_home_routes_each_role(client, login, applicant, unit_admin):
    assert "申请人注册" in client.get("/").content.decode()
    assert login(applicant.user).get("/")["Location"] == "/apply/"
    assert login(unit_admin).get("/")["Location"] == "/unit/"
