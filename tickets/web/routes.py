"""The dashboard's URLs → views (the views themselves know nothing of their URLs)."""

from __future__ import annotations

from aiohttp import web

from tickets.web.views import auth, macros, queues, report, ticket

STATIC_NAME = "static"


def setup_routes(app: web.Application, static_dir) -> None:
    r = app.router
    r.add_get("/connexion", auth.login_page, name="login")
    r.add_post("/connexion", auth.login_submit)
    r.add_post("/deconnexion", auth.logout, name="logout")

    r.add_get("/", queues.overview, name="home")
    r.add_get("/files/{code}", queues.queue_page, name="queue")
    r.add_get("/files/{code}/flux", queues.queue_stream, name="queue-stream")
    r.add_post("/files/{code}/lot", queues.queue_bulk, name="queue-bulk")
    r.add_get("/files/{code}/modeles", macros.macros_page, name="macros")
    r.add_post("/files/{code}/modeles", macros.macro_save, name="macro-save")
    r.add_post("/files/{code}/modeles/{macro_id:\\d+}/supprimer", macros.macro_delete,
               name="macro-delete")

    r.add_get("/mon-travail", queues.my_work_page, name="my-work")
    r.add_get("/mon-travail/flux", queues.my_work_stream, name="my-work-stream")
    r.add_get("/demandes/{number}", ticket.ticket_page, name="ticket")
    r.add_get("/demandes/{number}/flux", ticket.ticket_stream, name="ticket-stream")
    r.add_get("/pieces-jointes/{attachment_id}", ticket.download, name="attachment")
    r.add_post("/demandes/{number}/inserer", ticket.insert_canned, name="ticket-inserer")
    for slug, handler in ticket.ACTIONS.items():
        r.add_post(f"/demandes/{{number}}/{slug}", handler, name=f"ticket-{slug}")

    r.add_get("/rapport", report.report_page, name="report")
    r.add_static("/static/", static_dir, name=STATIC_NAME, append_version=True)
