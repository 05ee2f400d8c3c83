"""Demand against seats, and what to build.

``capacity``, ``classes``, ``shortfall``, ``spells``, ``coverage``, ``sweep`` and
``scheduler_export`` compare demand with seats and class-size rules. The build plan
(``forecast plan``, docs/planning.md): ``candidates`` reads or generates what may be built;
``risk`` turns the run's intervals into demand draws; ``optimise`` is the MILP (HiGHS through
scipy); ``transfers`` the moves between neighbours; ``rules`` the two comparison rules;
``assemble`` builds a plan from a run; ``tables`` lays it out for the outputs.
"""
