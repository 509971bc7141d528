"""Entry point for gunicorn: ``gunicorn wsgi:app``."""
from vendortrack import create_app

app = create_app()
