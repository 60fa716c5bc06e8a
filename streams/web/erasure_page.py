"""``POST /api/erase``: erase customers through the running worker (``cckpi erase`` calls it).

The worker holds the store (an embedded chDB's folder is its own) and the live state that names
the customers, so it erases both between two batches. Only the supervisors' token may ask
(:mod:`streams.web.access` lets a client's token reach the live routes alone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.web import Request, Response, View

# (client, customer ids, whether this worker rewrites the stored rows) -> rows rewritten per table
Eraser = Callable[[str, list[str], bool], Awaitable[dict[str, int]]]


def register_erasure(app: faust.App, eraser: Eraser) -> None:
    @app.page("/api/erase")
    class Erase(View):
        async def post(self, request: Request) -> Response:
            try:
                body: Any = await request.json()
            except ValueError:
                return self.json({"error": "the body is not JSON"}, status=400)
            problem = _problem(body)
            if problem:
                return self.json({"error": problem}, status=400)
            try:
                done = await eraser(body["client"], list(body["customers"]), bool(body.get("tables", True)))
            except ValueError as error:  # e.g. no pseudonym key
                return self.json({"error": str(error)}, status=409)
            return self.json(done)


def _problem(body: Any) -> str | None:
    """What is wrong with a request's body, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    if not isinstance(body.get("client"), str) or not body["client"]:
        return "client: a non-empty string is required"
    customers = body.get("customers")
    if not isinstance(customers, list) or not customers:
        return "customers: a non-empty list of non-empty strings is required"
    if not all(isinstance(c, str) and c for c in customers):
        return "customers: a non-empty list of non-empty strings is required"
    return None
