"""Pre-generated audio for prompts: how it is made (build, engines, telephone), where it is kept (folder, shared
in the database) and how the line finds it (catalog). Files are served by ivr/routes/audio.py."""
