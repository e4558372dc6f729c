"""Steering: what management follows month after month — the KPI history taken at each
month end, the monthly credit report, and reports sent by email on a schedule."""
