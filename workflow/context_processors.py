def current_round(request):
    """The round shown in every page's header (phase and its deadline)."""
    from workflow.selectors import round_current

    return {"current_round": round_current(request=request)}


def unread_notices(request):
    """The header's unread count, counted only when a page shows it (a callable)."""
    from workflow.selectors import notices_unread_count

    user = getattr(request, "user", None)
    return {"unread_notices": lambda: notices_unread_count(user=user)}
