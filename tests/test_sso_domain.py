"""Single sign-on rules as plain tables: the role map, the groups claim, who may sign in."""
import pytest

from vendortrack.domain.sso import (
    Account,
    Decision,
    Identity,
    RoleMapError,
    claim_groups,
    decide,
    parse_role_map,
    role_for_groups,
)

MAP = parse_role_map("vt-admin=admin, vt-procurement=procurement,vt-leadership=leadership,"
                     "*=product_owner")
STRICT = parse_role_map("vt-admin=admin,vt-leadership=leadership")


@pytest.mark.parametrize("text, pairs", [
    ("", ()),
    (None, ()),
    ("a=admin", (("a", "admin"),)),
    (" a = admin ,, *=product_owner ", (("a", "admin"), ("*", "product_owner"))),
])
def test_role_map_is_read_in_order(text, pairs):
    assert parse_role_map(text) == pairs


@pytest.mark.parametrize("text, message", [
    ("vt-admin", "is not GROUP=ROLE"),
    ("=admin", "is not GROUP=ROLE"),
    ("vt-admin=", "is not GROUP=ROLE"),
    ("vt-admin=superuser", "“superuser” in “vt-admin=superuser” is not a role"),
])
def test_role_map_mistakes_are_named(text, message):
    with pytest.raises(RoleMapError, match=message):
        parse_role_map(text)


@pytest.mark.parametrize("value, groups", [
    (None, ()),
    (["vt-admin", "staff"], ("vt-admin", "staff")),
    ("vt-admin staff", ("vt-admin", "staff")),
    ("vt-admin,staff", ("vt-admin", "staff")),
    (42, ("42",)),
])
def test_groups_claim_in_any_shape(value, groups):
    assert claim_groups(value) == groups


@pytest.mark.parametrize("groups, role_map, role", [
    (["vt-admin"], MAP, "admin"),
    (["vt-leadership", "vt-admin"], MAP, "admin"),  # the first entry of the map wins
    (["vt-procurement"], MAP, "procurement"),
    (["staff"], MAP, "product_owner"),  # * matches anyone
    ([], MAP, "product_owner"),
    (["staff"], STRICT, None),
    ([], STRICT, None),
])
def test_role_for_groups(groups, role_map, role):
    assert role_for_groups(groups, role_map) == role


def person(verified=True, groups=(), email="ann@example.org"):
    return Identity(email=email, email_verified=verified, name="Ann", groups=tuple(groups))


ACTIVE = Account(active=True, role="leadership")
INACTIVE = Account(active=False, role="leadership")


@pytest.mark.parametrize("identity, account, create, role_map, decision", [
    (person(), ACTIVE, False, (), Decision(role=None)),  # no map: the administrator's role
    (person(groups=["vt-admin"]), ACTIVE, False, MAP, Decision(role="admin")),
    (person(groups=["x"]), ACTIVE, False, STRICT, Decision(refusal="no_role")),
    (person(verified=False), ACTIVE, False, (), Decision(refusal="email_unverified")),
    (person(email=""), ACTIVE, True, (), Decision(refusal="email_missing")),
    (person(), INACTIVE, True, MAP, Decision(refusal="deactivated")),
    (person(), None, False, MAP, Decision(refusal="no_account")),
    (person(), None, True, (), Decision(create=True, role="product_owner")),
    (person(groups=["vt-leadership"]), None, True, MAP,
     Decision(create=True, role="leadership")),
    (person(groups=["x"]), None, True, STRICT, Decision(refusal="no_role")),
    (person(verified=False), None, True, MAP, Decision(refusal="email_unverified")),
])
def test_decide(identity, account, create, role_map, decision):
    assert decide(identity, account, create_users=create, role_map=role_map) == decision
