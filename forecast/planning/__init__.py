"""The build plan (``forecast plan``): from a finished run's demand and seats to the cheapest
set and timing of projects that keeps each finest area's risk of a shortfall under the
planner's target, with the two simple rules beside it. See docs/planning.md.

``candidates`` reads or generates what may be built; ``risk`` turns the run's intervals into
demand draws; ``optimise`` is the MILP (HiGHS through scipy); ``rules`` the two comparison
rules; ``assemble`` builds a plan from a run; ``tables`` lays it out for the outputs.
"""
