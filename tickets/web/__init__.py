"""The staff dashboard (aiohttp + Jinja2): see :func:`tickets.web.app.create_app`."""

from tickets.web.app import create_app

__all__ = ["create_app"]
