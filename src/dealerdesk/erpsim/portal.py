"""Talking to the portal: an OAuth2 client-credentials token, and the courier that sends
the ERP's messages in order, keeping each one (with its Idempotency-Key) until the portal
has taken it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dealerdesk.erpsim.state import ErpState, Outgoing

log = logging.getLogger("erpsim.portal")

TOKEN_PATH = "/api/v1/oauth/token"  # noqa: S105 (a path, not a secret)
TOKEN_MARGIN = 30.0  # renew a token this many seconds before the portal says it expires
MAX_WAIT = 60.0  # the longest a message waits between tries, whatever Retry-After says


class PortalUnavailable(Exception):
    """Try again later: the portal is unreachable, overloaded, failing, or refused our
    credentials (which someone can fix without the message changing)."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, reachable: bool = True
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.reachable = reachable


class PortalRefused(Exception):
    """The portal answered 4xx: this message will never be applied as it is."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status} {_describe(body)}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


class PortalClient:
    """The portal's machine API as the ERP's client, authenticated with an OAuth2 token that
    it renews before expiry and once more when the portal answers 401."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.http = httpx.Client(base_url=base_url, timeout=timeout)
        self._token = ""
        self._token_until = 0.0

    def close(self) -> None:
        self.http.close()

    def token(self, *, fresh: bool = False) -> str:
        if self._token and not fresh and self.clock() < self._token_until:
            return self._token
        response = self._call(
            "POST",
            TOKEN_PATH,
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
        )
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise PortalUnavailable(
                f"the portal gave no token ({response.status_code} {_describe(body)}); "
                "check client_id and client_secret"
            )
        self._token = str(body["access_token"])
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 300.0
        self._token_until = self.clock() + max(lifetime - TOKEN_MARGIN, 1.0)
        log.info("got an access token (scopes: %s)", body.get("scope", "?"))
        return self._token

    def deliver(self, message: Outgoing) -> Answer:
        """Send one message; raise PortalUnavailable (retry later) or PortalRefused."""
        response = self._send(message, self.token())
        if response.status_code == 401:
            response = self._send(message, self.token(fresh=True))
        body = _json(response)
        status = response.status_code
        if status in (408, 409, 425, 429) or status >= 500:
            # 409: the portal is still applying the same key from an earlier attempt.
            raise PortalUnavailable(f"{status} {_describe(body)}", _retry_after(response))
        if status in (404, 405) and not _api_error(body):
            # Not the API refusing this message but a portal without the endpoint (an older
            # version, a deployment under way): the message waits for one that has it.
            raise PortalUnavailable(f"{status}: the portal has no endpoint {message.path}")
        if status >= 400:
            raise PortalRefused(status, body)
        return Answer(status, body)

    def _send(self, message: Outgoing, token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": message.key}
        if message.document is not None:
            document = message.document
            return self._call(
                "POST",
                message.path,
                headers=headers,
                data=document.fields,
                files={"file": (document.filename, document.content, "application/pdf")},
            )
        return self._call("POST", message.path, headers=headers, json={"rows": message.rows})

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise PortalUnavailable(f"{type(error).__name__}: {error}", reachable=False) from error


def default_backoff(attempts: int) -> float:
    """1, 2, 4, … seconds between tries of one message, at most 30."""
    return float(min(30, 2 ** max(attempts - 1, 0)))


class Courier:
    """Sends the outbox in order. A message the portal cannot take now stays at the head and
    holds back the rest: an older status must not arrive after a newer one."""

    def __init__(
        self,
        state: ErpState,
        portal: PortalClient,
        backoff: Callable[[int], float] = default_backoff,
    ) -> None:
        self.state = state
        self.portal = portal
        self.backoff = backoff

    def flush(self) -> int:
        """Send what is due; return how many messages the portal took.

        Order is kept per endpoint: a message the portal cannot take holds back the later
        ones to the same endpoint (an older status must not overtake a newer one), not
        those to the others. An unreachable portal ends the round.
        """
        state = self.state
        taken = 0
        held: set[str] = set()
        with state.locked():
            queue = list(state.outbox)
        for message in queue:
            if message.path in held:
                continue
            if message.not_before > state.clock():
                held.add(message.path)
                continue
            try:
                answer = self.portal.deliver(message)
            except PortalUnavailable as error:
                held.add(message.path)
                self._later(message, error)
                if not error.reachable:
                    return taken
                continue
            except PortalRefused as error:
                with state.locked():
                    state.outbox.remove(message)
                    state.refused.append(
                        {"key": message.key, "summary": message.summary, "error": str(error)}
                    )
                log.error("%s: refused by the portal, dropped: %s", message.summary, error)
                continue
            with state.locked():
                state.outbox.remove(message)
                state.sent += 1
            taken += 1
            _report(message, answer)
        return taken

    def _later(self, message: Outgoing, error: PortalUnavailable) -> None:
        with self.state.locked():
            message.attempts += 1
            message.last_error = str(error)
            wait = min(error.retry_after or self.backoff(message.attempts), MAX_WAIT)
            message.not_before = self.state.clock() + wait
        log.warning(
            "%s: not sent (%s); try %d again in %.0f s, key %s",
            message.summary,
            error,
            message.attempts + 1,
            wait,
            message.key,
        )


def _report(message: Outgoing, answer: Answer) -> None:
    rejected = [row for row in _results(answer.body) if row.get("status") == "rejected"]
    retried = f" after {message.attempts + 1} tries" if message.attempts else ""
    if rejected:
        log.warning(
            "%s: %d %s%s, %d rows rejected: %s",
            message.summary,
            answer.status,
            "queued" if answer.status == 202 else "sent",
            retried,
            len(rejected),
            "; ".join(_describe(row) for row in rejected[:3]),
        )
    else:
        log.info(
            "%s: %s%s", message.summary, "queued" if answer.status == 202 else "applied", retried
        )


def _results(body: Any) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return []
    rows = body.get("results", body.get("rows", []))
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "").split(";")[0] or "an empty body"
        return f"({kind}, {len(response.content)} bytes)"


def _api_error(body: Any) -> bool:
    """The portal's one error shape: ``{"code", "message", "errors"}``."""
    return isinstance(body, dict) and "code" in body


def _describe(body: Any) -> str:
    if isinstance(body, dict):
        parts = [str(body.get(key)) for key in ("code", "message", "error") if body.get(key)]
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts.append(
                "; ".join(
                    f"{e.get('field') or e.get('row') or ''} {e.get('message', '')}".strip()
                    for e in errors[:3]
                    if isinstance(e, dict)
                )
            )
        return " — ".join(parts) or str(body)[:200]
    return str(body)[:200]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None
