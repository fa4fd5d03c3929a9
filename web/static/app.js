// The public pages' small helpers. Every page works without them.
(function () {
  "use strict";
  var fmt = new Intl.NumberFormat("en-GB");

  // Keeps every petition count on the page live: reads the public API every
  // few seconds while the page is visible. Without JavaScript the counts are
  // simply those of the page load.
  var boxes = document.querySelectorAll(".count[data-petition]");
  function show(box, p) {
    var n = box.querySelector(".js-count");
    var bar = box.querySelector(".js-progress");
    var goal = box.querySelector(".js-goal");
    var current = p.current_goal || p.goal;
    if (n) n.textContent = fmt.format(p.signature_count);
    if (bar) {
      bar.max = current;
      bar.value = Math.min(p.signature_count, current);
    }
    if (goal) {
      if (current !== p.goal) {
        goal.textContent = "· we passed our goal of " + fmt.format(p.goal) + "! Help us reach ";
        var b = document.createElement("b");
        b.textContent = fmt.format(current);
        goal.appendChild(b);
      } else {
        goal.textContent = "of a goal of " + fmt.format(p.goal);
      }
    }
  }
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
          document.querySelectorAll('.count[data-petition="' + id + '"]').forEach(function (b) { show(b, p); });
        })
        .catch(function () {});
    });
  }
  if (boxes.length && window.fetch) {
    setInterval(refresh, 5000);
    document.addEventListener("visibilitychange", refresh);
  }

  // Share buttons: copy the link, or open the phone's own share sheet where
  // it has one. Both stay hidden without JavaScript; the links work alone.
  document.querySelectorAll("ul.share").forEach(function (list) {
    var status = list.nextElementSibling;
    function say(text) { if (status) status.textContent = text; }
    var copy = list.querySelector(".js-copy");
    if (copy && navigator.clipboard && window.isSecureContext) {
      copy.hidden = false;
      copy.querySelector("button").addEventListener("click", function (e) {
        navigator.clipboard.writeText(e.currentTarget.getAttribute("data-url")).then(
          function () { say("Link copied."); },
          function () { say("Could not copy the link."); });
      });
    }
    var native = list.querySelector(".js-native");
    if (native && navigator.share) {
      native.hidden = false;
      native.querySelector("button").addEventListener("click", function (e) {
        navigator.share({ title: document.title, text: list.getAttribute("data-share-text"),
          url: e.currentTarget.getAttribute("data-url") }).catch(function () {});
      });
    }
  });
})();
