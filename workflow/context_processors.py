from django.utils.functional import SimpleLazyObject


def current_round(request):
    """The round shown in every page's header (phase and its deadline)."""
    from workflow.selectors import round_current

    return {"current_round": round_current(request=request)}


def portal_header(request):
    """The header's unit link and unread count: read once, and only when a page shows them."""
    from workflow.selectors import portal_header

    user = getattr(request, "user", None)
    return {"header": SimpleLazyObject(lambda: portal_header(user=user))}
