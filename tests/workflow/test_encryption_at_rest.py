"""Identity numbers and phones encrypted at rest, found through the blind index; keys rotate;
user names, audit rows and log lines carry no identity number (issue 14)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from ranking.policy.identity import make_id_number, mask_id_number
from tests import factories
from workflow import crypto, services
from workflow.crypto import new_field_key
from workflow.models import Applicant, AuditEvent, LoginUnlock
from workflow.portal import applicant_account_register

pytestmark = pytest.mark.django_db

NUMBER = make_id_number("110105", dt.date(1985, 7, 12), 21, "M")
PHONE = "13812345678"
KEY_A, KEY_B = new_field_key(), new_field_key()


def raw_row(applicant: Applicant) -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_index FROM workflow_applicant WHERE id = %s",
            [applicant.pk],
        )
        return cursor.fetchone()


def register(number: str = NUMBER, **extra) -> Applicant:
    return services.applicant_register(
        user=factories.UserFactory(), id_number=number, name="王小明", phone=PHONE, **extra
    )


def test_the_database_holds_neither_the_number_nor_the_phone_in_clear():
    applicant = register()

    number, phone, index = raw_row(applicant)

    for column in (number, phone, index):
        assert NUMBER not in column
        assert NUMBER[6:14] not in column  # not even the birth date
        assert PHONE not in column
    assert number != phone
    # …and the model reads them back, birth date and gender derived from the number
    applicant = Applicant.objects.get(pk=applicant.pk)
    assert (applicant.id_number, applicant.phone) == (NUMBER, PHONE)
    assert (applicant.birth_date, applicant.gender) == (dt.date(1985, 7, 12), "M")


def test_the_same_number_encrypts_differently_so_only_the_index_can_find_it():
    applicant = register()
    assert crypto.encrypt(NUMBER) != crypto.encrypt(NUMBER)

    assert Applicant.objects.by_id_number(NUMBER.lower() + " ").get() == applicant
    assert not Applicant.objects.by_id_number(
        make_id_number("110105", dt.date(1985, 7, 12), 22, "F")
    )
    assert Applicant.objects.pks_by_id_number([NUMBER]) == {NUMBER: applicant.pk}
    # A comparison with the ciphertext would silently find nobody: it is refused outright.
    with pytest.raises(FieldError):
        Applicant.objects.filter(id_number=NUMBER).exists()


def test_a_number_registered_twice_is_refused_naming_the_field():
    register()

    with pytest.raises(ValidationError) as refused:
        register(NUMBER.lower())

    assert refused.value.message_dict == {"id_number": ["该公民身份号码已登记，不能重复登记。"]}
    assert Applicant.objects.count() == 1


def test_rotation_re_encrypts_so_the_old_key_can_go(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    applicant = register()
    before = raw_row(applicant)

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]  # the new key in front
    call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw_row(applicant)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # the old key removed

    assert after[0] != before[0]
    assert after[1] != before[1]
    assert after[2] == before[2]  # same index key: same index
    applicant = Applicant.objects.get(pk=applicant.pk)
    assert (applicant.id_number, applicant.phone) == (NUMBER, PHONE)
    assert Applicant.objects.by_id_number(NUMBER).get() == applicant
    # Run again: nothing left to do.
    report = services.field_keys_rotate()
    assert report.rows_rewritten["workflow.Applicant"] == 0
    # The old key alone no longer opens the data: it really was re-encrypted.
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        Applicant.objects.get(pk=applicant.pk)


def test_a_new_blind_index_key_finds_numbers_again_after_rotation(settings):
    applicant = register()
    settings.BLIND_INDEX_KEY = "another-blind-index-key-" + "z" * 20
    assert not Applicant.objects.by_id_number(NUMBER).exists()

    report = services.field_keys_rotate()

    assert report.rows_rewritten["workflow.Applicant"] == 1
    assert Applicant.objects.by_id_number(NUMBER).get() == applicant


def test_an_applicant_logs_in_with_the_number_but_the_user_name_is_not_it(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        applicant = applicant_account_register(
            id_number=NUMBER,
            name="王小明",
            phone=PHONE,
            email="wang@example.cn",
            password=factories.PASSWORD,
        )
    username = applicant.user.username
    assert NUMBER not in username
    assert NUMBER[6:14] not in username

    client = Client()
    response = client.post(
        "/accounts/login/", {"username": NUMBER.lower(), "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.user.pk)
    wrong = Client().post("/accounts/login/", {"username": NUMBER, "password": "wrong-password"})
    assert "_auth_user_id" not in wrong.client.session


def test_a_lock_by_number_is_the_accounts_and_is_lifted_without_recording_the_number(
    administrator, django_capture_on_commit_callbacks
):
    applicant = register()
    applicant.user.set_password(factories.PASSWORD)
    applicant.user.save()
    for _ in range(10):
        Client(REMOTE_ADDR="203.0.113.8").post(
            "/accounts/login/", {"username": NUMBER, "password": "wrong-password"}
        )
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    right = {"username": NUMBER, "password": factories.PASSWORD}
    assert elsewhere.post("/accounts/login/", right).status_code == 429

    with django_capture_on_commit_callbacks(execute=True):
        unlock = services.login_unlock(actor=administrator, username=NUMBER, reason="本人来电")

    assert LoginUnlock.objects.get(pk=unlock.pk).username == applicant.user.username
    assert elsewhere.post("/accounts/login/", right).status_code == 302


def test_no_audit_row_and_no_log_line_carries_the_number(
    caplog, administrator, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        applicant = applicant_account_register(
            id_number=NUMBER, name="王小明", phone=PHONE, email="w@example.cn", password="x" * 12
        )
        applicant_account_register(  # the same number again
            id_number=NUMBER, name="王小明", phone=PHONE, email="v@example.cn", password="x" * 12
        )
    for _ in range(11):  # failures up to a lock, each logged by django-axes
        Client().post("/accounts/login/", {"username": NUMBER, "password": "wrong-password"})
    with django_capture_on_commit_callbacks(execute=True):
        services.login_unlock(actor=administrator, username=NUMBER, reason="本人来电")

    rows = list(AuditEvent.objects.values("actor_label", "object_id", "reason", "before", "after"))
    registered = AuditEvent.objects.get(action="applicant.register")
    assert registered.after["id_number"] == mask_id_number(NUMBER)
    assert registered.actor_label == applicant.user.username
    assert NUMBER not in str(rows)
    assert PHONE not in str(rows)
    assert caplog.records  # the failures were logged…
    assert NUMBER not in caplog.text  # …without the number


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_renames_number_user_names():
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    # Found by name, whatever number a merge gives it: the state just before it.
    [encrypting] = [key for key in graph.nodes if key[1].endswith("_encrypt_personal_data")]
    before = [p.key for p in graph.node_map[encrypting].parents if p.key[0] == "workflow"]
    latest = graph.leaf_nodes()
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES "
            "('!', %s, %s, '', '', '', %s, %s, %s)",
            [False, NUMBER, False, True, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
        )
        cursor.execute("SELECT id FROM auth_user WHERE username = %s", [NUMBER])
        [user_id] = cursor.fetchone()
        cursor.execute(
            "INSERT INTO workflow_applicant (user_id, id_number, name, phone, created_at) "
            "VALUES (%s, %s, '王小明', %s, %s)",
            [user_id, NUMBER, PHONE, dt.datetime(2020, 1, 1, tzinfo=dt.UTC)],
        )

    MigrationExecutor(connection).migrate(latest)

    applicant = Applicant.objects.by_id_number(NUMBER).get()
    assert (applicant.id_number, applicant.phone) == (NUMBER, PHONE)
    assert NUMBER not in raw_row(applicant)[0]
    assert PHONE not in raw_row(applicant)[1]
    user = get_user_model().objects.get(pk=user_id)
    assert user.username != NUMBER
    assert NUMBER[6:14] not in user.username


def test_the_admin_finds_an_applicant_by_number_through_the_index(client, admin_user):
    applicant = register()
    other = services.applicant_register(
        user=factories.UserFactory(),
        id_number=make_id_number("110105", dt.date(1990, 1, 1), 31, "M"),
        name="张小刚",
    )
    client.force_login(admin_user)
    url = "/admin/workflow/applicant/"

    page = client.get(url).content.decode()
    assert 'method="post"' in page  # the search form posts: the number stays out of URLs
    searched = client.post(url + "search-number/", {"q": NUMBER.lower(), "state": "x"})
    assert searched.status_code == 302
    location = searched["Location"]
    assert NUMBER not in location.upper()
    assert "q=idx%3A" in location
    assert "state=x" in location  # the list's other parameters are kept
    found = client.get(url, {"q": "idx:" + location.split("idx%3A")[1].split("&")[0]})
    found = found.content.decode()
    by_name = client.get(url, {"q": "张小刚"}).content.decode()

    assert applicant.name in found
    assert "已按公民身份号码查找" in found
    assert NUMBER not in found
    assert other.name not in found
    assert other.name in by_name
    assert applicant.name not in by_name
    # A number typed into the address bar is sent on keyed by its index, never echoed.
    typed = client.get(url, {"q": NUMBER})
    assert typed.status_code == 302
    assert NUMBER not in typed["Location"].upper()


def test_an_altered_ciphertext_fails_loudly_instead_of_reading_as_another_number():
    applicant = register()
    token = raw_row(applicant)[0]
    middle = len(token) // 2  # a character of the ciphertext itself
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflow_applicant SET id_number = %s WHERE id = %s", [flipped, applicant.pk]
        )

    with pytest.raises(ImproperlyConfigured, match="改动"):
        Applicant.objects.get(pk=applicant.pk)
