"""Orchestration: the jobs (imports, the daily run) and the daily schedule.

Above the store (companies, customers, receivables) and the reports: it calls
them, they never call it. The queue lives in the store itself (django-tasks with
its database backend), so SQLite and PostgreSQL alike need nothing else running.
"""
