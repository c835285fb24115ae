"""Scheduler plugins, one file each, listed once in registry.py with their default weights."""
