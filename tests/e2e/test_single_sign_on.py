"""Signing in through the company's identity provider: the button, the provider's own page
(oidc-provider-mock on 127.0.0.1), back on the dashboard with the role the group gives, and
signing out at both ends."""
from __future__ import annotations

import re

import pytest

from ..oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from .conftest import PASSWORD, Server, _start, _stop, sign_in

pytestmark = pytest.mark.e2e

expect = pytest.importorskip("playwright.sync_api").expect
LABEL = "Sign in with Example ID"


@pytest.fixture
def sso_server(sqlite_template, tmp_path):
    """The app with single sign-on through a provider of its own, roles from groups."""
    from vendortrack import services

    with running_provider() as provider:
        app, http, url = _start(
            sqlite_template, tmp_path, OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID,
            OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_LABEL=LABEL, OIDC_CREATE_USERS=True,
            OIDC_ROLES_CLAIM="groups", OIDC_ROLE_MAP="vt-admin=admin,vt-leadership=leadership")
        with app.app_context():
            services.create_user(email="root@example.org", name="Root", role="admin",
                                 password=PASSWORD, actor=None)
        yield Server(app=app, url=url, password=PASSWORD), provider
        _stop(app, http)


def test_new_leader_signs_in_at_the_provider_and_lands_on_the_dashboard(open_page, sso_server,
                                                                        screenshot):
    server, provider = sso_server
    provider.set_user("erin", email="erin@example.org", email_verified=True, name="Erin Exec",
                      groups=["staff", "vt-leadership"])
    page = open_page(base=server)
    page.goto("/login")
    screenshot(page, "1-sign-in")
    page.get_by_role("link", name=LABEL).click()

    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    assert page.url.startswith(provider.url)
    page.get_by_placeholder("sub").fill("erin")
    page.get_by_role("button", name="Authorize").click()

    expect(page.get_by_text("Welcome, Erin Exec.")).to_be_visible()
    assert re.search(r"/dashboard$", page.url), page.url
    expect(page.get_by_role("link", name=re.compile("Erin Exec"))).to_contain_text("Leadership")
    screenshot(page, "2-dashboard")

    page.get_by_role("button", name="Sign out").click()  # a form post redirected to the provider
    expect(page.get_by_role("heading", name="End Session")).to_be_visible()
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.url.startswith(server.url + "/login")
    page.goto("/dashboard")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    # The administrator sees how Erin signs in and when she last did.
    sign_in(page, "root@example.org", PASSWORD)
    page.goto("/admin/users")
    row = page.get_by_role("row", name=re.compile("Erin Exec"))
    expect(row).to_contain_text("Single sign-on")
    expect(row).to_contain_text("UTC")
    screenshot(page, "3-users")


def test_refusal_is_a_calm_page_with_a_way_back(open_page, sso_server, screenshot, axe_check):
    server, provider = sso_server
    provider.set_user("gus", email="gus@example.org", email_verified=True, name="Gus",
                      groups=["contractors"])
    page = open_page(base=server, bypass_csp=True)
    page.goto("/login")
    axe_check(page)
    page.get_by_role("link", name=LABEL).click()
    page.get_by_placeholder("sub").fill("gus")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_role("heading", name="None of your groups gives access to vendortrack"))\
        .to_be_visible()
    axe_check(page)
    screenshot(page, "refused")
    page.get_by_role("link", name="Back to sign-in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
