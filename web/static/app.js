// Keeps every petition count on the page live: reads the public API every
// few seconds while the page is visible. Without JavaScript the counts are
// simply those of the page load.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".count[data-petition]");
  if (!boxes.length || !window.fetch) return;
  var fmt = new Intl.NumberFormat("en-GB");
  function refresh() {
    if (document.hidden) return;
    var seen = {};
    boxes.forEach(function (box) {
      var id = box.getAttribute("data-petition");
      if (seen[id]) return;
      seen[id] = true;
      fetch("/api/v1/petitions/" + encodeURIComponent(id), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (p) {
          if (!p) return;
          document.querySelectorAll('.count[data-petition="' + id + '"]').forEach(function (b) {
            var n = b.querySelector(".js-count");
            var bar = b.querySelector(".js-progress");
            if (n) n.textContent = fmt.format(p.signature_count);
            if (bar) bar.value = Math.min(p.signature_count, p.goal);
          });
        })
        .catch(function () {});
    });
  }
  setInterval(refresh, 5000);
  document.addEventListener("visibilitychange", refresh);
})();
