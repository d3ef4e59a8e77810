"""Demo data for `make run`: this year's round in its declaration, last year's round in its
publicity, and one account per role (publicity.demo). Idempotent; prints the logins."""

import time

from django.core.management.base import BaseCommand

from publicity import demo


class Command(BaseCommand):
    help = (
        "载入演示数据：申报期开放的本年度轮次、公示中的上年度轮次和各角色账号 / "
        "load the demo rounds and accounts"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--past-applicants",
            type=int,
            default=demo.PAST_APPLICANTS,
            help=f"上年度轮次导入的申请人数（默认 {demo.PAST_APPLICANTS}；0 = 不建上年度轮次）",
        )
        parser.add_argument("--seed", type=int, default=demo.PAST_SEED, help="生成申请人的随机种子")
        parser.add_argument(
            "--address", default=demo.ADDRESS, help=f"打印的访问地址（默认 {demo.ADDRESS}）"
        )

    def handle(self, *args, past_applicants, seed, address, **options):
        started = time.monotonic()
        report = demo.demo_load(
            past_applicants=past_applicants,
            seed=seed,
            progress=lambda message: self.stdout.write(message),
        )
        elapsed = time.monotonic() - started
        address = address if address.endswith("/") else address + "/"
        out = self.stdout.write
        for warning in report.warnings:
            out(self.style.WARNING(warning))
        out("")
        out(self.style.SUCCESS(f"落户通演示数据已就绪 / demo data loaded（{elapsed:.1f} 秒 / s）"))
        out(
            f"  {report.current}：{report.current.phase_label}（申报截止 {demo.format_deadline(report.current)}）"
        )
        if report.past is not None:
            out(
                f"  {report.past}：{report.past.phase_label}{demo.publication_summary(report.past)}"
            )
        out("")
        out(self.style.SUCCESS(f"请打开 / open: {address}"))
        out(f"管理后台 / admin site: {address}admin/")
        out(f"所有演示账号的密码 / password of every demo account: {demo.PASSWORD}")
        out("")
        out("账号 / login · 角色 / role · 先看什么 / look at first:")
        for login in report.logins:
            out(f"  {login.username:<32} {login.role}")
            out(f"  {'':<32} → {login.look_at}")
        out("")
        out("公开页面（无需登录）/ public pages (no login):")
        out(f"  {address}simulator/  积分模拟器 / points simulator")
        if report.past is not None:
            year = report.past.year
            out(
                f"  {address}publicity/{year}/  {year}年度积分落户公示名单（分数分布、落户分数线、下载、实名举报）/ "
                "the published list: histogram, cutoff, downloads, objections"
            )
