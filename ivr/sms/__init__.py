"""The text line: keyword replies, paging, opt-out, and texting a section to a caller during a call."""
