"""Shared state of the line (opt-outs, text paging, language preference, rate counts) in SQLite or PostgreSQL."""
