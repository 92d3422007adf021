# TEMPORARY probes (deleted before hand-off)
import pytest
from django.test import Client as HttpClient
from fuzz_helpers import sign_in
from django.urls import reverse

@pytest.mark.usefixtures("c1_goal", "c1_task", "c1_alert")
@pytest.mark.parametrize("who,method,url,data", [
    ("alice", "get", "/", {"q": "a\x00b"}),
    ("ada", "get", "/audit/", {"client": "a\tb"}),
    ("ada", "get", "/audit/", {"page": "a\nb"}),
    ("alice", "get", "/clients/CLIENT/items/nope/", {}),
    ("alice", "get", "/", {"page": "99999999999999999999999999"}),
    ("alice", "post", "/clients/CLIENT/therapist/", {"therapist": "99999999999999999999999999"}),
    ("anon", "get", "/q/" + "x"*5000 + "/", {}),
    ("anon", "get", "/q/" + "x"*99 + "/", {}),
    ("anon", "get", "/p/" + "x"*5000 + "/", {}),
    ("alice", "get", "/", {"page": "\x00"}),
    ("ada", "post", "/account/clinic-security/reset/", {"user": "²"}),
    ("ada", "post", "/account/clinic-security/reset/", {"user": "99999999999999999999999"}),
    ("ada", "get", "/audit/", {"page": "\x00"}),
    ("ada", "get", "/audit/", {"client": "a\x00"}),
    ("ada", "get", "/audit/", {"page": "99999999999999999999"}),
    ("anon", "get", "/q/a\x00b/", {}),
    ("anon", "get", "/p/a\x00b/", {}),
    ("anon", "post", "/p/TOKEN/goals/99999999999999999999/confirm/", {}),
    ("anon", "post", "/p/TOKEN/tasks/99999999999999999999/done/", {"done": "yes"}),
    ("alice", "get", "/clients/99999999999999999999/", {}),
    ("alice", "post", "/alerts/99999999999999999999/resolve/", {"note": "x"}),
    ("alice", "post", "/alerts/ALERT/resolve/", {"note": "a\x00b"}),
    ("anon", "post", "/login/", {"username": "a\x00b", "password": "x"}),
    ("anon", "post", "/login/", {"username": "x" * 5000, "password": "x"}),
    ("anon", "post", "/password-reset/", {"email": "a\x00b@x.org"}),
])
def test_probe(alice, ada, c1, c1_portal_token, c1_alert, who, method, url, data, settings):
    settings.ALLIANCE_LINK_RATE_LIMIT = 10**9
    http = HttpClient(raise_request_exception=False)
    sign_in(http, {"alice": alice, "ada": ada, "anon": None}[who])
    url = url.replace("CLIENT", str(c1.pk)).replace("TOKEN", c1_portal_token).replace("ALERT", str(c1_alert.pk))
    r = getattr(http, method)(url, data)
    print("PROBE", who, method, url[:40], repr(data)[:40], r.status_code)
    assert r.status_code < 500
