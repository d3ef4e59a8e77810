"""The review loop of 细则第七条: 补件 (more documents), 原件查验 (originals seen at a district
office's service window, by appointment) and 联动核察 (a joint check led by 人社局, 细则第二条).

States change only through the one transition mechanism (`workflow.services.transitions`);
the transitions below are pure and declare their guards beside them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .applications import Application, IndicatorClaim
from .guards import ADMIN, DEPARTMENT, OWNER, PHASE, Guard, guards
from .parties import Department
from .rounds import BEIJING


class SupplementRequest(models.Model):
    """One 补件 request on a claim: what is asked, by when, and how it ended."""

    claim = models.ForeignKey(
        IndicatorClaim,
        on_delete=models.CASCADE,
        related_name="supplements",
        verbose_name="积分指标",
    )
    documents = models.TextField("需补充的材料")
    due_at = models.DateTimeField("补件截止时间")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="要求补件的审核人员",
    )
    requested_at = models.DateTimeField("要求补件时间")
    answered_at = models.DateTimeField("补件提交时间", null=True, blank=True)
    answer_note = models.TextField("申请人说明", blank=True)
    # 补件逾期: the deadline passed unanswered; the claim went back to be decided as it stands.
    overdue_at = models.DateTimeField("补件逾期时间", null=True, blank=True)

    class Meta:
        verbose_name = "补件要求"
        verbose_name_plural = "补件要求"
        ordering = ["claim", "-requested_at", "-id"]
        indexes = [models.Index(fields=["due_at"], name="supplement_due_at")]

    def __str__(self) -> str:
        return f"{self.claim} · 补件"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.overdue_at is None


# --- 原件查验 appointments ---------------------------------------------------------------------


class HalfDay(models.TextChoices):
    MORNING = "am", "上午"
    AFTERNOON = "pm", "下午"


# When each half-day's service starts (Beijing time): a booking for it can be made, changed
# or cancelled until then.
HALF_DAY_STARTS = {HalfDay.MORNING: dt.time(9, 0), HalfDay.AFTERNOON: dt.time(13, 30)}


def slot_starts_at(date: dt.date, half: str) -> dt.datetime:
    """When a half-day's service begins (Beijing time)."""
    return dt.datetime.combine(date, HALF_DAY_STARTS[HalfDay(half)], tzinfo=BEIJING)


class ServiceWindow(models.Model):
    """A service window (服务窗口) of a district office (各区政府、经开区指定部门, 细则第二条)."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="service_windows",
        verbose_name="所属部门",
    )
    name = models.CharField("窗口名称", max_length=80)
    address = models.CharField("地址", max_length=200)

    class Meta:
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.department.name} · {self.name}"


class WindowDay(models.Model):
    """How many appointments a window takes on one day, morning and afternoon (set by the
    office). A day without a row takes none."""

    window = models.ForeignKey(
        ServiceWindow, on_delete=models.CASCADE, related_name="days", verbose_name="服务窗口"
    )
    date = models.DateField("日期")
    morning_capacity = models.PositiveSmallIntegerField("上午可预约人数", default=0)
    afternoon_capacity = models.PositiveSmallIntegerField("下午可预约人数", default=0)

    class Meta:
        verbose_name = "窗口每日预约容量"
        verbose_name_plural = "窗口每日预约容量"
        ordering = ["window", "date"]
        constraints = [
            models.UniqueConstraint(fields=["window", "date"], name="one_capacity_per_window_day")
        ]

    def __str__(self) -> str:
        return f"{self.window} {self.date}"

    def capacity(self, half: str) -> int:
        return self.morning_capacity if half == HalfDay.MORNING else self.afternoon_capacity


class OriginalsState(models.TextChoices):
    INVITED = "invited", "待预约"
    BOOKED = "booked", "已预约"
    ATTENDED = "attended", "已到场查验"
    NO_SHOW = "no_show", "未到场"


OS = OriginalsState
# Places a booking takes at its window: the ones still to come and the ones that happened.
TAKES_A_PLACE = [OS.BOOKED, OS.ATTENDED, OS.NO_SHOW]


class OriginalsCheck(ConcurrentTransitionMixin, models.Model):
    """细则第七条: 要求申请人提供原件查验 — during review (on a claim) or after qualification.

    The inviting department names the office whose windows see the originals; the applicant
    books a half-day slot at one of its windows inside the booking period; the office marks
    attended or not and records what it found.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="originals_checks", verbose_name="申请"
    )
    claim = models.ForeignKey(
        IndicatorClaim,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="originals_checks",
        verbose_name="积分指标",
    )
    # The office that sees the originals (its reviewers mark attendance).
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="查验部门"
    )
    documents = models.TextField("需查验的原件")
    book_from = models.DateField("可预约起始日")
    book_until = models.DateField("可预约截止日")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="邀请人",
    )
    invited_at = models.DateTimeField("邀请时间")
    state = FSMField("状态", choices=OriginalsState.choices, default=OS.INVITED, protected=True)
    window = models.ForeignKey(
        ServiceWindow,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name="预约窗口",
    )
    date = models.DateField("预约日期", null=True, blank=True)
    half = models.CharField("预约时段", max_length=2, choices=HalfDay.choices, blank=True)
    number = models.CharField("预约号", max_length=24, blank=True)
    booked_at = models.DateTimeField("预约时间", null=True, blank=True)
    originals_match = models.BooleanField("原件与所传材料一致", null=True, blank=True)
    outcome = models.TextField("查验结果", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="查验人",
    )
    recorded_at = models.DateTimeField("查验记录时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "原件查验"
        verbose_name_plural = "原件查验"
        ordering = ["-invited_at", "-id"]
        indexes = [
            models.Index(fields=["window", "date", "half", "state"], name="originals_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · 原件查验"

    @property
    def state_label(self) -> str:
        return OriginalsState(self.state).label

    @transition(
        field=state,
        source=OS.INVITED,
        target=OS.BOOKED,
        custom=guards(Guard("预约原件查验", (), frozenset({OWNER}), PHASE)),
    )
    def book(self) -> None:
        pass

    @transition(
        field=state,
        source=OS.BOOKED,
        target=OS.BOOKED,
        custom=guards(Guard("改约原件查验", (), frozenset({OWNER}), PHASE)),
    )
    def rebook(self) -> None:
        pass

    @transition(
        field=state,
        source=OS.BOOKED,
        target=OS.INVITED,
        custom=guards(Guard("取消原件查验预约", (), frozenset({OWNER}), PHASE)),
    )
    def cancel_booking(self) -> None:
        pass

    @transition(
        field=state,
        source=OS.BOOKED,
        target=OS.ATTENDED,
        custom=guards(Guard("登记到场查验", (), frozenset({DEPARTMENT, ADMIN}), PHASE)),
    )
    def mark_attended(self) -> None:
        pass

    @transition(
        field=state,
        source=OS.BOOKED,
        target=OS.NO_SHOW,
        custom=guards(Guard("登记未到场", (), frozenset({DEPARTMENT, ADMIN}), PHASE)),
    )
    def mark_no_show(self) -> None:
        pass


# --- 联动核察 (细则第二条: 市人力资源社会保障局……牵头开展联动核察; 第七条) ----------------------------


class JointCheckState(models.TextChoices):
    OPEN = "open", "核察中"
    CONCLUDED = "concluded", "已作出核察结论"


class JointCheck(ConcurrentTransitionMixin, models.Model):
    """A joint check of one application led by 人社局: each department taking part records its
    finding; the lead concludes. The conclusion is written into the history of every claim of
    those departments (their decisions follow it) and, where it finds fraud, goes to the
    administrators for the integrity path (细则第十七条)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="joint_checks", verbose_name="申请"
    )
    # The lead (人社局): its reviewers conclude.
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="牵头部门"
    )
    subject = models.TextField("核察事项")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="发起人",
    )
    opened_at = models.DateTimeField("发起时间")
    state = FSMField(
        "状态", choices=JointCheckState.choices, default=JointCheckState.OPEN, protected=True
    )
    outcome = models.TextField("核察结论", blank=True)
    fraud_found = models.BooleanField("查实弄虚作假", default=False)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作出结论的人员",
    )
    concluded_at = models.DateTimeField("结论时间", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="更新时间")

    class Meta:
        verbose_name = "联动核察"
        verbose_name_plural = "联动核察"
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"{self.application} · 联动核察"

    @property
    def state_label(self) -> str:
        return JointCheckState(self.state).label

    @transition(
        field=state,
        source=JointCheckState.OPEN,
        target=JointCheckState.CONCLUDED,
        custom=guards(Guard("作出联动核察结论", (), frozenset({DEPARTMENT, ADMIN}), PHASE)),
    )
    def conclude(self) -> None:
        pass


class JointCheckFinding(models.Model):
    """One department's finding in a joint check (empty until it records it)."""

    joint_check = models.ForeignKey(
        JointCheck, on_delete=models.CASCADE, related_name="findings", verbose_name="联动核察"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name="核查部门"
    )
    finding = models.TextField("核查意见", blank=True)
    fraud_suspected = models.BooleanField("发现弄虚作假", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="填写人",
    )
    recorded_at = models.DateTimeField("填写时间", null=True, blank=True)

    class Meta:
        verbose_name = "联动核察部门意见"
        verbose_name_plural = "联动核察部门意见"
        ordering = ["joint_check", "department"]
        constraints = [
            models.UniqueConstraint(
                fields=["joint_check", "department"], name="one_finding_per_department"
            )
        ]

    def __str__(self) -> str:
        return f"{self.joint_check} · {self.department}"
