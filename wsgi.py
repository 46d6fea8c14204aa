"""WSGI entry point: `gunicorn wsgi:app`."""
from tt_platform import create_app

app = create_app()
