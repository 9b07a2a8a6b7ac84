"""Publishing: the line's words kept as numbered, reviewed revisions in the store, one of them live."""
