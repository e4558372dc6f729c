"""What the API tests share: a persona calling with their key, the error shape, the ledger's date."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.test import Client

AS_OF = date(2026, 6, 30)


@dataclass
class Persona:
    """A user calling the API with their key."""

    user: Any
    key: str
    client: Client

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self._headers())

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(
            path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(path, data, headers=self._headers())

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(
            path, json.dumps(body), content_type="application/json", headers=self._headers()
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self._headers())

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if method == "get":
            return self.get(path)
        if method == "patch":
            return self.patch(path, body or {})
        if method == "put":
            return self.put(path, body or {})
        if method == "delete":
            return self.delete(path)
        return self.post(path, body or {})


def error_of(response: Any) -> dict[str, Any]:
    """The error of a response, checking it has the API's one error shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
