// Inside the embedded sign form: tells the partner's page (and only the
// origin the server took it to be) how tall the form is, so embed.js can
// size the frame to it. Without JavaScript the frame keeps its first size
// and scrolls.
(function () {
  "use strict";
  var root = document.documentElement;
  var origin = root.getAttribute("data-embed-origin");
  if (!origin || window.parent === window) return;
  var last = 0;
  function post() {
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "advocacy:embed-height", height: height }, origin);
  }
  if (window.ResizeObserver) new ResizeObserver(post).observe(root);
  window.addEventListener("load", post);
  post();
})();
