def current_round(request):
    """The round shown in every page's header (phase and its deadline)."""
    from workflow.selectors import round_current

    return {"current_round": round_current()}
