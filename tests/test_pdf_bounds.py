"""PDF work is bounded: time limit, bounded queue (503), per-person rate limit, annex size
bound explained before saving, drafts rendered once, and web pages answer while PDFs render."""
from __future__ import annotations

import gc
import secrets
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from vendortrack import create_app, services
from vendortrack.annex import service as annex_service
from vendortrack.domain import spec as specs
from vendortrack.pdf import AnnexDocument, render_pdf, render_pool
from vendortrack.pdf_pool import RenderTimeout

from .conftest import PASSWORD, TODAY, Client, app_config, complete_spec
from .load.loadrun import HOST, free_port, start_gunicorn, stop_gunicorn, wait_until_serving


def hostile_spec(deliverables=500, criteria=3_900) -> specs.Spec:
    """Issue #11's annex: about 2 MB, within the per-field limits."""
    return complete_spec(deliverables=tuple(
        specs.Deliverable("runbook", f"Deliverable {i}", TODAY + timedelta(days=i % 300),
                          ("criteria " * (criteria // 9))[:criteria], "planned")
        for i in range(deliverables)))


def test_a_render_past_the_time_limit_is_stopped_and_the_pool_recovers(app):
    # Long enough for a small render on a busy machine, far short of the big one's time (with
    # acceptance criteria of 2,000 characters it took 4.9 s on a quiet fast machine, inside the
    # 5 s this test once allowed; they are 4,000 now).
    app.config["PDF_TIMEOUT"] = 3.0
    big = AnnexDocument(specs.to_json(hostile_spec(200, 4_000)), 1, datetime.now(UTC), "P")
    started = time.monotonic()
    with pytest.raises(RenderTimeout):
        render_pdf(big)
    assert time.monotonic() - started < 15  # not the minute the whole render would take
    small = AnnexDocument(specs.to_json(complete_spec()), 1, datetime.now(UTC), "P")
    assert render_pdf(small).startswith(b"%PDF")  # a fresh worker took the killed one's place


def test_a_render_process_warms_up_on_an_annex_then_renders_what_it_is_asked(app):
    """Each render process renders a small annex as it starts (fonts and WeasyPrint's code
    paths loaded before the first person waits); its result never answers a real request."""
    import io

    from pypdf import PdfReader

    from vendortrack.pdf import annex_html, static_root, warm_up_job
    from vendortrack.pdf_pool import RenderPool

    pool = RenderPool(static_root(), workers=1, waiting=0, timeout=30.0, warm_up=warm_up_job())
    try:
        pool.wait_ready()
        document = AnnexDocument(specs.to_json(complete_spec(title="What was asked for")), 1,
                                 datetime.now(UTC), "P")
        reply = pool.render({"html": annex_html(document, for_pdf=True), "annex_styles": True})
    finally:
        pool.close()
    text = PdfReader(io.BytesIO(reply["pdf"])).pages[0].extract_text()
    assert "What was asked for" in text and "Warm-up" not in text


def test_a_render_process_renders_with_the_cycle_collector_paused(app, monkeypatch):
    """Collections set off by a render's allocations walked WeasyPrint's objects and the
    process's fonts and stylesheet again and again (a fifth of a large annex's time): the
    process freezes what it loaded while warming up, renders each job with the collector
    paused and collects once after the reply is sent."""
    from multiprocessing import Pipe

    from vendortrack import pdf_worker
    from vendortrack.pdf import static_root

    seen = []
    real_render = pdf_worker.render

    def observed(job, *args):
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return real_render(job, *args)

    monkeypatch.setattr(pdf_worker, "render", observed)
    jobs, worker_jobs = Pipe(duplex=False)
    worker_replies, replies = Pipe(duplex=False)
    worker = threading.Thread(target=pdf_worker.serve, args=(jobs, replies, static_root()))
    try:
        worker.start()
        worker_jobs.send({"html": "<p>Warm-up</p>", "annex_styles": True})
        assert worker_replies.recv() == {"ready": True}  # no reply to the warm-up itself
        worker_jobs.send({"html": "<p>What was asked for</p>", "annex_styles": True})
        reply = worker_replies.recv()
    finally:
        worker_jobs.close()  # the process ends when its web worker is gone
        worker.join(30)
        gc.unfreeze()
    assert reply["pdf"].startswith(b"%PDF")
    assert seen == [(True, False), (False, True)]  # warm-up as usual; the job paused, frozen
    assert gc.isenabled() and not worker.is_alive()


def test_renders_beyond_the_queue_get_a_calm_503(app, users, make_engagement, make_client):
    app.config.update(PDF_WORKERS=1, PDF_QUEUE=0, PDF_TIMEOUT=30.0)
    big = services.create_engagement(hostile_spec(150, 2_000), users["product_owner"]).id
    small = make_engagement().id
    first, second = make_client(), make_client()
    first.login(users["leadership"])
    second.login(users["procurement"])
    pool = render_pool()
    answers = {}
    slow = threading.Thread(target=lambda: answers.setdefault(
        "slow", first.get(f"/engagements/{big}/annex/draft.pdf")))
    slow.start()
    deadline = time.monotonic() + 30
    while pool._admitted == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    refused = second.get(f"/engagements/{small}/annex/draft.pdf")
    slow.join()
    assert refused.status_code == 503
    assert refused.headers["Retry-After"].isdigit()
    assert "busy rendering other PDFs" in refused.get_data(as_text=True)
    assert answers["slow"].status_code == 200, answers["slow"].status_code
    assert second.get(f"/engagements/{small}/annex/draft.pdf").status_code == 200


def test_draft_and_board_pack_pdfs_are_rate_limited_per_person(database_url, users,
                                                               make_engagement):
    engagement = make_engagement()
    limited = create_app(app_config(database_url, RATELIMIT_ENABLED=True,
                                    PDF_RATE_LIMIT="2 per minute"))
    one, other = Client(limited), Client(limited)
    one.login(users["leadership"])
    other.login(users["procurement"])
    url = f"/engagements/{engagement.id}/annex/draft.pdf"
    assert [one.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert "many PDFs" in one.get("/dashboard/board-pack.pdf").get_data(as_text=True)
    assert other.get(url).status_code == 200  # counted per person, not for everyone


def test_a_draft_of_an_unchanged_spec_is_rendered_once(app, users, make_engagement,
                                                       make_client, monkeypatch):
    rendered = []
    original = annex_service.render_pdf
    monkeypatch.setattr(annex_service, "render_pdf",
                        lambda document: rendered.append(document.number) or original(document))
    engagement = make_engagement(title="Cached draft")
    client = make_client()
    client.login(users["leadership"])
    url = f"/engagements/{engagement.id}/annex/draft.pdf"
    first, again = client.get(url), client.get(url)
    assert first.data == again.data and len(rendered) == 1
    services.update_engagement(engagement, complete_spec(title="Changed terms"),
                               users["product_owner"], expected_version=engagement.version)
    assert client.get(url).data != first.data and len(rendered) == 2


@pytest.fixture
def small_annexes(app):
    app.config["ANNEX_MAX_CHARACTERS"] = 3_000


def test_form_explains_the_annex_size_bound_before_saving(small_annexes, client, users):
    client.login(users["product_owner"])
    data = {"title": "Too much text", "deliverables-0-title": "Runbook",
            "deliverables-0-kind": "runbook", "deliverables-0-acceptance_criteria": "x" * 4_000}
    response = client.post("/engagements/new", data)
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # the form again, with the message
    assert 'id="deliverables-limit-error"' in body and "at most 3,000 characters" in body
    assert "x" * 4_000 in body  # nothing typed is lost
    assert services.count_users() and not client.get("/engagements").get_data(
        as_text=True).count("Too much text")


def test_api_explains_the_annex_size_bound_with_its_path(small_annexes, client, users):
    from vendortrack.tokens import create_token

    token = create_token(users["product_owner"], "t")
    body = {"title": "Too much", "problem_statement": "y" * 3_500}
    response = client.http.post("/api/v1/engagements", json=body,
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["problem_statement"]
    assert "at most 3,000 characters" in response.json["errors"]["problem_statement"][0]


@contextmanager
def hostile_server(folder: Path, pdf_timeout: str):
    """gunicorn as `make run` serves it, with a 2 MB engagement and a normal one; yields the
    base URL, a signed-in session and the two engagement ids."""
    from flask_migrate import upgrade

    from vendortrack.extensions import db

    secret = secrets.token_hex(16)
    url = f"sqlite:///{folder / 'vt.sqlite3'}"
    app = create_app(app_config(url, SECRET_KEY=secret))
    with app.app_context():
        upgrade()
        owner = services.create_user(email="po@example.org", name="PO", role="product_owner",
                                     password=PASSWORD, actor=None)
        hostile = services.create_engagement(hostile_spec(), owner).id
        normal = services.create_engagement(complete_spec(), owner).id
        db.engine.dispose()
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_gunicorn(folder, url, secret, port, PDF_TIMEOUT=pdf_timeout)
    try:
        wait_until_serving(server, base)
        yield base, signed_in(base, "po@example.org"), hostile, normal
    finally:
        stop_gunicorn(server)


def start_renders(session: requests.Session, url: str, count: int) -> list[threading.Thread]:
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(session.get(url, timeout=60)))
               for _ in range(count)]
    for thread in threads:
        thread.answers = answers
        thread.start()
    return threads


def test_hostile_annexes_render_while_login_and_pages_answer(tmp_path):
    """Issue #11, finding 1: two parallel drafts of a 2 MB annex are each stopped at the time
    limit with a 503, and /login and the engagement page answer while they render, under
    gunicorn as `make run` serves (the 500 ms timings are in tests/benchmarks)."""
    with hostile_server(tmp_path, "4") as (base, session, hostile, normal):
        threads = start_renders(session, f"{base}/engagements/{hostile}/annex/draft.pdf", 2)
        time.sleep(0.5)
        login = requests.get(base + "/login", timeout=60)
        page = session.get(f"{base}/engagements/{normal}", timeout=60)
        renders = threads[0].answers
        still_rendering = len(renders)
        for thread in threads:
            thread.join()
        assert login.status_code == 200 and page.status_code == 200
        assert login.headers["Server"] == "vendortrack"  # no server software or version
        assert still_rendering == 0  # answered while both renders were still running
        assert [r.status_code for r in renders] == [503, 503]
        assert "took longer than 4 seconds" in renders[0].text
        assert session.get(f"{base}/engagements/{normal}/annex/draft.pdf",
                           timeout=60).status_code == 200
    log = (tmp_path / "gunicorn.log").read_text()
    assert "WORKER TIMEOUT" not in log and "Traceback" not in log


def signed_in(base: str, email: str) -> requests.Session:
    from .load.loadrun import csrf_token

    session = requests.Session()
    token = csrf_token(session.get(base + "/login", timeout=30).text)
    response = session.post(base + "/login", data={"email": email, "password": PASSWORD,
                                                    "csrf_token": token}, timeout=30)
    assert response.ok and "/login" not in response.url
    return session


