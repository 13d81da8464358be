"""A Lean-verified theorem-proving agent."""

__version__ = "0.1.0"
