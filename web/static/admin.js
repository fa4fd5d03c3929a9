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
})();
