"""Registration, login, password reset; one account per identity number; barred parties."""

import datetime as dt

import pytest
from django.core import mail

from ranking.policy.identity import make_credit_code, make_id_number
from tests import factories
from workflow.models import Applicant, AppState, AuditEvent, Employer, EmployerMembership

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


def test_applicant_registers_and_lands_on_the_portal(client):
    response = client.post("/register/applicant/", applicant_form(), follow=True)
    assert response.redirect_chain[-1][0] == "/apply/"
    applicant = Applicant.objects.get()
    assert (applicant.id_number, applicant.name, applicant.user.username) == (
        GOOD_ID,
        "王小明",
        GOOD_ID,
    )
    assert AuditEvent.objects.filter(action="applicant.register").exists()
    assert "注册成功" in response.content.decode()


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


def test_one_account_per_identity_number(client):
    client.post("/register/applicant/", applicant_form())
    client.logout()
    response = client.post(
        "/register/applicant/", applicant_form(email="other@example.cn", name="冒名者")
    )
    assert response.status_code == 400
    assert "已注册账号" in response.context["form"].errors["id_number"][0]
    assert Applicant.objects.count() == 1


def test_a_woman_must_choose_worker_or_cadre(client):
    response = client.post("/register/applicant/", applicant_form(id_number=WOMAN_ID))
    assert "女性申请人须选择岗位类别" in response.context["form"].errors["female_job"][0]
    response = client.post(
        "/register/applicant/", applicant_form(id_number=WOMAN_ID, female_job="cadre")
    )
    assert response.status_code == 302
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
