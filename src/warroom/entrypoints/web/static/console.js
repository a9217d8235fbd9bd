// Ticks the "next update due" countdowns once a second; the page works without it.
// Counts from the server's figure (data-left, seconds at render time), so a browser
// whose clock is off still shows the server's view of the deadline.
(function () {
  function fmt(s) {
    var a = Math.abs(s), h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), x = a % 60;
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + x + "s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-left]").forEach(function (el) {
      if (!el.wrSeen) el.wrSeen = now;
      var left = parseInt(el.getAttribute("data-left"), 10) - Math.round((now - el.wrSeen) / 1000);
      var out = el.querySelector(".left");
      if (!out) return;
      out.textContent = left >= 0 ? "due in " + fmt(left) : "overdue by " + fmt(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("due", left >= 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
})();
