"""Demand against seats: capacity, classes, shortfalls and their spells, what planned seats
cover, the stress sweep and the construction scheduler's export."""
