"""The framework floor: a bare Flask app rendering a 50-row table, served like vendortrack.

``make bench`` serves it with the same gunicorn settings as vendortrack and states each page's
throughput as a share of this one's.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import Flask, render_template_string

app = Flask(__name__)

ROWS = [{"id": n, "title": f"Engagement number {n} with a realistic title",
         "vendor": f"Vendor {n % 20}", "owner": f"Owner {n % 37}",
         "status": ("draft", "active", "in_handover", "closed")[n % 4],
         "handover": (date(2026, 11, 26) + timedelta(days=n)).isoformat()} for n in range(50)]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Floor</title>
<link rel="stylesheet" href="{{ url_for('static', filename='app.css') }}"></head>
<body><main><h1>Engagements</h1>
<table><thead><tr><th>Engagement</th><th>Vendor</th><th>Owner</th><th>Status</th>
<th>Handover</th></tr></thead><tbody>
{% for row in rows %}<tr><td><a href="{{ url_for('row', row_id=row.id) }}">{{ row.title }}</a></td>
<td>{{ row.vendor }}</td><td>{{ row.owner }}</td><td>{{ row.status }}</td>
<td>{{ row.handover }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""


@app.get("/")
def table():
    return render_template_string(PAGE, rows=ROWS)


@app.get("/rows/<int:row_id>")
def row(row_id: int):
    return render_template_string("<p>{{ row.title }}</p>", row=ROWS[row_id % 50])
