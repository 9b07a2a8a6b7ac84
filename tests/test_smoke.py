from tests.twilio_requests import twilio_post


def test_incoming_call_answers_with_a_menu(client):
    response = twilio_post(client, "/voice")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Gather" in response.data and b"<Redirect" in response.data


def test_unsigned_call_is_refused(client):
    assert client.post("/voice", data={"From": "+15005550006"}).status_code == 403
