"""Publishing: the line's words kept as numbered, reviewed revisions in the store, one of them live (its commands
are ivr/publishing_cli.py; ivr/live_revision.py brings a newly live one to every worker)."""
