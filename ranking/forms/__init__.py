from ranking.forms.simulator import SimulatorInput, example_initial

__all__ = ["SimulatorInput", "example_initial"]
