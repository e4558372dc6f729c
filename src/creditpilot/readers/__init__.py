"""Readers of files: each returns records plus row errors (file, line, column, reason)."""
