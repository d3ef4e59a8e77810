"""Mail the portal sends about an account. Identity numbers in a mail are masked: a mailbox
is not the place for them."""

from __future__ import annotations

from django.core.mail import send_mail

from ranking.policy.identity import mask_id_number

SIGNATURE = "落户通 · 北京市积分落户在线申报"


def registration_welcome(*, to: str, id_number: str) -> None:
    if not to:
        return
    send_mail(
        "落户通账号已创建",
        f"您好：\n\n已用公民身份号码 {mask_id_number(id_number)} 创建落户通账号。"
        "今后请用公民身份号码和注册时设置的密码登录。\n\n"
        "如果不是您本人注册，请立即联系积分落户管理部门。\n\n" + SIGNATURE,
        None,
        [to],
    )


def registration_attempt(*, to: str, id_number: str) -> None:
    """To the existing account's own address: someone registered its number again."""
    if not to:
        return
    send_mail(
        "有人使用您的公民身份号码申请注册落户通账号",
        f"您好：\n\n有人使用公民身份号码 {mask_id_number(id_number)} 申请注册落户通账号。"
        "该号码已有账号，没有创建新账号。\n\n"
        "如果是您本人，请直接登录；忘记密码可在登录页通过邮箱找回。"
        "如果不是您本人，请留意账号安全，必要时联系积分落户管理部门。\n\n" + SIGNATURE,
        None,
        [to],
    )
