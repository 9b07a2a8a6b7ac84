"""The phone line: TwiML pages built from the content model, and the routes Twilio calls."""
