"""Server time of the dashboard and the filtered engagement list on seeded demo data.

Targets (issue 5, 2-core machine, SQLite): dashboard <= 150 ms median at 10,000 engagements
and <= 600 ms at 100,000; filtered list <= 50 ms at 100,000 (product budget: 50 / 300 / 30).
Run with ``make bench``; ``BENCH_SIZES=1000,10000`` limits the sizes and
``BENCH_DATABASE_URL=postgresql+psycopg://...`` adds PostgreSQL (a database of its own).
"""
from __future__ import annotations

import pytest

PAGES = {
    "dashboard": "/dashboard",
    "dashboard_vendor_filter": "/dashboard?vendor=2",
    "dashboard_json": "/api/v1/dashboard",
    "list_trap": "/engagements?status=open&trap=1",
    "list_flag_page_5": "/engagements?flag=KT_OVERDUE&page=5",
    "list_handover_month": "/engagements?status=open&handover_month=2027-01",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_speed(benchmark, leader_client, page):
    client = leader_client
    url = PAGES[page]
    assert client.get(url).status_code == 200  # warm: templates compiled, caches filled

    def request():
        response = client.get(url)
        assert response.status_code == 200
        return response

    benchmark.group = page
    benchmark.pedantic(request, rounds=15, warmup_rounds=2, iterations=1)
