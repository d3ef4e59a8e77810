def round_current():
    return None
