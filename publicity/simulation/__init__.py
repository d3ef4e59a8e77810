"""A whole round with scripted actors (`manage.py simulate_round`): a rehearsal and a load test.

Lives in publicity because it drives every app (publicity may import all the others). Every
step is a call to the service the portal, the back office or the admin pages call for it,
at a moment inside the phase's window (see `clock`); nothing writes a model field itself.

- `script`: who does what, drawn from the seed before anyone acts;
- `people`: the administrator, reviewers, units and applicants;
- `declaration`, `reviewing`, `listing`: the actors of each phase;
- `run`: the round from creation to the first settlement, and its summary.
"""

from publicity.simulation.clock import SimulationError
from publicity.simulation.run import default_quota, round_summary, simulate_round

__all__ = ["SimulationError", "default_quota", "round_summary", "simulate_round"]
