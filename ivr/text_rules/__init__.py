"""What every text message obeys, whatever the line says: its encoding and segments, the words Twilio
reserves, and when a text asks to stop. Below both content (its checks) and sms (the text line)."""
