"""The shared stylesheet is served in tests as in development, without collectstatic."""


def test_site_stylesheet_is_served(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b".card" in b"".join(response.streaming_content)
