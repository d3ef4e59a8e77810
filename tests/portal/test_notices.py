"""The inbox: one's own notices, the unread count in the header, mark read, preferences."""

import pytest
from django.utils import timezone

from workflow.models import Notice, NoticePreference

pytestmark = pytest.mark.django_db


def _notice(user, key, subject="“教育背景”审核结果：审核通过", link="/apply/indicators/education/"):
    return Notice.objects.create(
        recipient=user,
        dedup_key=key,
        subject=subject,
        body="核定分值 15.00 分。",
        link=link,
        created_at=timezone.now(),
    )


def test_header_shows_unread_count_and_inbox_lists_only_own(client, applicant, other_applicant):
    _notice(applicant.user, "a")
    _notice(applicant.user, "b", subject="2020年度积分落户进入审核结果查询阶段")
    _notice(other_applicant.user, "c", subject="别人的通知")
    client.force_login(applicant.user)
    page = client.get("/notices/").content.decode()
    assert 'aria-label="2 条未读"' in page
    assert "“教育背景”审核结果：审核通过" in page
    assert "进入审核结果查询阶段" in page
    assert "别人的通知" not in page


def test_opening_a_notice_marks_it_read_and_goes_to_the_item(client, applicant):
    notice = _notice(applicant.user, "a")
    client.force_login(applicant.user)
    response = client.post(f"/notices/{notice.pk}/read/", {"next": notice.link})
    assert response.url == "/apply/indicators/education/"
    notice.refresh_from_db()
    assert notice.is_read
    assert "条未读" not in client.get("/notices/").content.decode()


def test_another_persons_notice_cannot_be_marked_and_offsite_next_is_ignored(
    client, applicant, other_applicant
):
    theirs = _notice(other_applicant.user, "a")
    client.force_login(applicant.user)
    response = client.post(f"/notices/{theirs.pk}/read/", {"next": "https://evil.example/"})
    assert response.url == "/notices/"
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_read_all(client, applicant):
    _notice(applicant.user, "a")
    _notice(applicant.user, "b")
    client.force_login(applicant.user)
    client.post("/notices/read-all/")
    assert not Notice.objects.filter(read_at__isnull=True).exists()


def test_preferences_turn_mail_off(client, applicant):
    client.force_login(applicant.user)
    page = client.get("/notices/preferences/").content.decode()
    assert "同时用电子邮件通知我" in page
    assert 'name="email_enabled"' in page
    assert "checked" in page  # both on by default
    client.post("/notices/preferences/", {"sms_enabled": "on"})
    preference = NoticePreference.objects.get(user=applicant.user)
    assert (preference.email_enabled, preference.sms_enabled) == (False, True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/notices/")
    assert response.status_code == 302
    assert "/login" in response.url
