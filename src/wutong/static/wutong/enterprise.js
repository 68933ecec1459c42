/* Enterprise pages: the active tab follows HTMX tab loads; the search dropdown closes on Escape or
   a click elsewhere. */
(function () {
  "use strict";

  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    if (!link || !link.matches || !link.matches("#enterprise-tabs .nav-link")) return;
    document.querySelectorAll("#enterprise-tabs .nav-link").forEach(function (other) {
      other.classList.toggle("active", other === link);
      other.setAttribute("aria-selected", other === link ? "true" : "false");
    });
  });

  function closeResults(except) {
    document.querySelectorAll("[data-wt-search]").forEach(function (box) {
      if (box !== except) box.querySelector(".wt-search-results").innerHTML = "";
    });
  }

  document.addEventListener("click", function (event) {
    closeResults(event.target.closest ? event.target.closest("[data-wt-search]") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeResults(null);
  });
})();
