"""The dashboard's pages, one module per page (URLs in :mod:`tickets.web.routes`)."""
