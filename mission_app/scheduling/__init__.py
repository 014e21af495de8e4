"""The meeting scheduler: pure (standard library and OR-Tools only).

`solve(problem, options) -> Solution` places requests; `find_conflicts(problem, meetings)` lists
every broken rule of a schedule.
"""

from .checks import RULES, Conflict, find_conflicts
from .problem import (
    PRIORITY_WEIGHTS,
    Assignment,
    ExistingMeeting,
    Figures,
    HeldMeeting,
    Key,
    Leg,
    Organisation,
    Person,
    Precedence,
    Problem,
    Progress,
    Request,
    Slot,
    Solution,
    SolveOptions,
    Unscheduled,
    Venue,
    Window,
)
from .reasons import explain_left_out
from .solver import best_share, first_fit_solution, solve

__all__ = [
    "PRIORITY_WEIGHTS",
    "RULES",
    "Assignment",
    "Conflict",
    "ExistingMeeting",
    "Figures",
    "HeldMeeting",
    "Key",
    "Leg",
    "Organisation",
    "Person",
    "Precedence",
    "Problem",
    "Progress",
    "Request",
    "Slot",
    "Solution",
    "SolveOptions",
    "Unscheduled",
    "Venue",
    "Window",
    "best_share",
    "explain_left_out",
    "find_conflicts",
    "first_fit_solution",
    "solve",
]
