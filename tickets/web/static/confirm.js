// Forms marked data-confirm ask before they are sent (bulk actions, merge). The pages
// work without this script: those forms also carry a required « Je confirme » box,
// checked again by the server.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
}());
