// Staff pages. Each part below finds its element or does nothing, and
// every page works without it.
(function () {
  "use strict";

  // The petition dashboard's figures, read again every few seconds while the
  // page is visible (and at once when it becomes visible again). Without
  // JavaScript they are those of the page load.
  var box = document.getElementById("figures");
  if (box && window.fetch) {
    var url = box.getAttribute("data-stats");
    var fmt = new Intl.NumberFormat("en-GB");
    var set = function (name, text) {
      var el = box.parentNode.querySelector('[data-stat="' + name + '"]');
      if (el) el.textContent = text;
    };
    var against = function (today, yesterday) {
      if (today > yesterday) return fmt.format(today - yesterday) + " more than";
      if (today < yesterday) return fmt.format(yesterday - today) + " fewer than";
      return "the same as";
    };
    var refresh = function () {
      if (document.hidden) return;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          var share = s.goal_percent.toFixed(1) + "%";
          set("total", fmt.format(s.total));
          set("goal_percent", share);
          set("today", fmt.format(s.today));
          set("yesterday_same_time", fmt.format(s.yesterday_same_time));
          set("against", against(s.today, s.yesterday_same_time));
          set("last_hour", fmt.format(s.last_hour));
          set("rate_per_minute", s.rate_per_minute.toFixed(1));
          set("pending", fmt.format(s.pending));
          set("opted_in", fmt.format(s.opted_in));
          var bar = document.getElementById("goal-progress");
          if (bar) {
            bar.value = Math.min(s.total, s.goal);
            bar.setAttribute("aria-label", "Progress to the goal: " + share);
            bar.textContent = share;
          }
          var at = box.parentNode.querySelector('[data-stat="as_of"]');
          if (at) {
            var now = new Date();
            at.setAttribute("datetime", now.toISOString());
            at.textContent = now.toISOString().slice(11, 19);
          }
        })
        .catch(function () {});
    };
    setInterval(refresh, 10000);
    document.addEventListener("visibilitychange", refresh);
  }

  // The release editor: "Save and refresh the preview" saves the form in
  // the background and shows the body as saved in the pane beside it, the
  // editor staying as it is. A save the server refuses (a field to fix) is
  // sent again as an ordinary submit, so the page shows what to fix.
  // Without JavaScript the button stays hidden: "Save release" and the
  // full preview page do the same.
  var pane = document.querySelector(".preview-pane[data-preview]");
  var save = document.getElementById("save-preview");
  if (pane && save && save.form && window.fetch && window.DOMParser) {
    var status = document.createElement("p");
    status.className = "meta";
    status.setAttribute("role", "status");
    pane.insertBefore(status, pane.querySelector(".body"));
    save.hidden = false;
    save.addEventListener("click", function () {
      var form = save.form;
      status.textContent = "Saving…";
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error("not saved");
          return fetch(pane.getAttribute("data-preview"), { credentials: "same-origin" });
        })
        .then(function (r) {
          if (!r.ok) throw new Error("no preview");
          return r.text();
        })
        .then(function (html) {
          var body = new DOMParser().parseFromString(html, "text/html").querySelector("article.release .body");
          if (!body) throw new Error("no preview");
          var target = document.getElementById("preview-body");
          target.replaceChildren.apply(target, Array.prototype.map.call(body.childNodes, function (n) {
            return document.importNode(n, true);
          }));
          status.textContent = "Saved at " + new Date().toTimeString().slice(0, 8) + ".";
        })
        .catch(function () { form.submit(); });
    });
  }
})();
