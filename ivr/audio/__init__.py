"""Pre-generated audio for prompts: where it is stored and how the line finds it."""
