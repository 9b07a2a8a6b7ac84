"""The phone line: TwiML pages built from the content model, the choice a key or words make, where it leads, and
every sentence a call can say (its routes are ivr/routes/voice.py)."""
