"""Sign-in throttling that holds across workers and servers (issue #11, finding 4)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vendortrack import create_app
from vendortrack.auth.throttle import account_delay

from .conftest import PASSWORD, Client, app_config
from .test_sessions_and_tokens import Clock

START = datetime(2026, 11, 26, 9, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("failures, free, longest, delay", [
    (0, 5, 60, 0), (4, 5, 60, 0), (5, 5, 60, 1), (6, 5, 60, 2), (10, 5, 60, 32),
    (11, 5, 60, 60), (500, 5, 60, 60), (3, 0, 10, 8)])
def test_account_delay_doubles_up_to_the_longest(failures, free, longest, delay):
    assert account_delay(failures, free, longest) == delay


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


def throttled_app(database_url, clock, **settings):
    return create_app(app_config(database_url, RATELIMIT_ENABLED=True,
                                 VENDORTRACK_NOW=clock, **settings))


def attempt(client, email, password="wrong password", **kwargs):
    return client.post("/login", {"email": email, "password": password}, **kwargs)


def test_two_app_instances_share_the_count(database_url, users, clock):
    """Two workers (or servers) on one database: the limit is counted once for both."""
    config = {"RATELIMIT_LOGIN": "4 per minute"}
    first = Client(throttled_app(database_url, clock, **config))
    second = Client(throttled_app(database_url, clock, **config))
    statuses = [attempt(first, f"a{i}@example.org").status_code for i in range(2)]
    statuses += [attempt(second, f"b{i}@example.org").status_code for i in range(3)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = attempt(first, users["leadership"].email, PASSWORD)
    assert refused.status_code == 429 and "from your network" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) <= 60
    clock.advance(minutes=1)
    assert attempt(second, users["leadership"].email, PASSWORD).status_code == 302


def test_an_account_backs_off_but_a_stranger_cannot_lock_it_for_long(database_url, users,
                                                                     clock):
    app = throttled_app(database_url, clock, RATELIMIT_LOGIN="1000 per minute",
                        LOGIN_FREE_FAILURES=3, LOGIN_MAX_DELAY=60)
    stranger, owner = Client(app), Client(app)
    email = users["leadership"].email
    for _ in range(3):
        assert attempt(stranger, email).status_code == 200
    # The fourth attempt, even with the right password, waits a second first.
    waiting = attempt(owner, email, PASSWORD)
    assert waiting.status_code == 429 and "wait 2 seconds" in waiting.get_data(as_text=True)
    for _ in range(30):  # the stranger keeps guessing as fast as the delay allows
        clock.advance(seconds=61)
        attempt(stranger, email)
    # However long the stranger has guessed, the owner waits at most a minute.
    clock.advance(seconds=61)
    assert attempt(owner, email, PASSWORD).status_code == 302


def test_trusted_proxies_give_each_client_its_own_count(database_url, users, clock):
    config = {"RATELIMIT_LOGIN": "2 per minute", "TRUSTED_PROXIES": 1}
    app = throttled_app(database_url, clock, **config)
    one, two = Client(app), Client(app)
    near = {"headers": {"X-Forwarded-For": "203.0.113.7"}}
    far = {"headers": {"X-Forwarded-For": "198.51.100.9"}}
    assert [attempt(one, f"x{i}@example.org", **near).status_code for i in range(3)] == [
        200, 200, 429]
    assert attempt(two, "y@example.org", **far).status_code == 200

    # Without TRUSTED_PROXIES the header is not believed: both clients are one address.
    direct = throttled_app(database_url, clock, RATELIMIT_LOGIN="2 per minute")
    clock.advance(minutes=1)
    three, four = Client(direct), Client(direct)
    assert attempt(three, "z@example.org", **near).status_code == 200
    assert attempt(three, "z@example.org", **near).status_code == 200
    assert attempt(four, "w@example.org", **far).status_code == 429
