"""The text line: keyword replies, paging, opt-out, and texting a section to a caller during a call (its route is
ivr/routes/sms.py; the rules any text obeys are ivr/text_rules/)."""
