"""The blueprints Twilio calls (and /audio/ files): read the request, ask the packages, answer.

They sit above Services (ivr/services.py), which holds every package's long-lived objects, so no package
below needs to know the app that serves it.
"""
