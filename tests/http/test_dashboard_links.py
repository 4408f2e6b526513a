"""The dashboard says when every channel link falls back to GS1's resolver."""

from __future__ import annotations

from fastapi.testclient import TestClient

from microindex.bootstrap import Workspace


def _dashboard(client: TestClient, secret: str) -> str:
    signed = client.post("/login", content=f"token={secret}".encode(), follow_redirects=False)
    assert signed.status_code == 303
    return client.get("/").text


def test_with_no_channel_base_url_the_dashboard_warns_of_gs1_links(
    workspace: Workspace, client: TestClient, secrets: dict[str, str]
) -> None:
    assert workspace.settings.channels.base_url is None
    html = _dashboard(client, secrets["admin"])
    assert 'id="feed-warning"' in html and "id.gs1.org" in html and "base_url" in html
