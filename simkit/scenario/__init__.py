"""Scenario files: populations, playbooks, run settings, `--set` overrides, parameter listing."""

from simkit.scenario.loader import Scenario, load_scenario, scenario_parameters
from simkit.scenario.overrides import Override, parse_override, parse_overrides
from simkit.scenario.schema import PlaybookSpec, ScenarioSpec

__all__ = [
    "Override",
    "PlaybookSpec",
    "Scenario",
    "ScenarioSpec",
    "load_scenario",
    "parse_override",
    "parse_overrides",
    "scenario_parameters",
]
