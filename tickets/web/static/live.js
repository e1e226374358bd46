// Live pages of the support dashboard: when the server says a ticket changed
// (server-sent events), the page's live region is fetched again and replaced.
// Pages work without this script: it only saves a reload.
(function () {
  "use strict";
  var main = document.querySelector("[data-live-url]");
  if (!main || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var status = document.querySelector("[data-live-status]");
  var pending = null;
  var busy = false;

  function say(text) { if (status) { status.textContent = text; } }

  function refresh(note) {
    if (busy) { pending = note; return; }
    if (document.querySelector("[data-live-region] input:checked")) {
      // tickets are being selected: do not pull the rows from under the agent
      say(note + " — rechargez la page après votre action pour voir les changements.");
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live-region]").forEach(function (region) {
          var other = region.id && fresh.getElementById(region.id);
          if (other) { region.innerHTML = other.innerHTML; }
        });
        // the server's time of the fresh page, in Paris time like the tables
        var stamp = fresh.querySelector("[data-page-time]");
        var time = stamp && stamp.getAttribute("data-page-time");
        say(time ? note + " (mis à jour à " + time + ")" : note);
      })
      .catch(function () { say("Mise à jour impossible : rechargez la page."); })
      .then(function () {
        busy = false;
        if (pending !== null) { var next = pending; pending = null; refresh(next); }
      });
  }

  var labels = {
    created: "Nouvelle demande", requester_reply: "Le demandeur a répondu",
    status: "Statut changé", assignee: "Attribution changée", reply: "Réponse envoyée",
    note: "Note ajoutée", queue: "Demande transférée", priority: "Priorité changée"
  };
  var source = new EventSource(main.getAttribute("data-live-url"));
  source.addEventListener("change", function (event) {
    var data = {};
    try { data = JSON.parse(event.data); } catch (e) { /* keep the default note */ }
    refresh((labels[data.action] || "Demande mise à jour") + (data.numero ? " : " + data.numero : ""));
  });
  source.onerror = function () { say("Connexion aux mises à jour interrompue : reprise automatique…"); };
}());
