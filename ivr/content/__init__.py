"""Content and prompts as data: the staff file format, the model, and the validating loader (one reader per file)."""
