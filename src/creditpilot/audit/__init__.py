"""The audit log, the bottom layer: every layer above writes to it, it knows none of them.

``record`` takes plain values (who, from where, what, before and after) so that
the store's actions write their event inside their own transaction, whatever
called them: a page, the API, the command line or a job.
"""
