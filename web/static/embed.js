// Puts a petition's sign form on a partner's page:
//   <script src="https://OUR-SITE/embed.js" data-petition="SLUG"></script>
// inserts an iframe right where the script tag is, and sizes it to the
// height the form reports. Only messages from the frame itself, on this
// script's own origin, are heeded.
(function () {
  "use strict";
  var script = document.currentScript;
  var slug = script && script.getAttribute("data-petition");
  if (!slug || !window.URL) return;
  var ours = new URL(script.src, location.href).origin;
  var frame = document.createElement("iframe");
  frame.src = ours + "/embed/petitions/" + encodeURIComponent(slug) +
    "?origin=" + encodeURIComponent(location.origin);
  frame.title = script.getAttribute("data-title") || "Sign the petition";
  frame.style.width = "100%";
  frame.style.maxWidth = "40rem";
  frame.style.height = "36rem";
  frame.style.border = "0";
  frame.style.display = "block";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== ours || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== "advocacy:embed-height") return;
    var height = Number(data.height);
    if (height > 0 && height < 20000) frame.style.height = Math.ceil(height) + "px";
  });
})();
