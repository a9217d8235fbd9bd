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

// Live refreshes never wipe what someone is typing: a panel that holds a changed, unsent
// field keeps its content (marked "updated — refreshes when you send or clear the form")
// and refreshes on the next change after the form is sent.
(function () {
  function dirty(panel) {
    var fields = panel.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "submit" || f.type === "button") continue;
      if (f.hasAttribute("hx-preserve")) continue; // kept across swaps by htmx itself
      if (f.tagName === "SELECT") {
        // With no option marked `selected`, a single select starts on its first option.
        var marked = false;
        for (var j = 0; j < f.options.length; j++) marked = marked || f.options[j].defaultSelected;
        for (var k = 0; k < f.options.length; k++) {
          var initial = marked ? f.options[k].defaultSelected : (!f.multiple && k === 0);
          if (f.options[k].selected !== initial) return true;
        }
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    var verb = evt.detail.requestConfig && evt.detail.requestConfig.verb;
    if (!target || !target.id || target.id.indexOf("part-") !== 0 || verb !== "get") return;
    if (!dirty(target)) return;
    evt.detail.shouldSwap = false;
    target.classList.add("stale");
    target.setAttribute("data-stale", "updated — refreshes when you send or clear the form");
  });
  // A form sent from inside a panel: once accepted, it is reset so the panel can refresh.
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form");
    if (!form || !evt.detail.successful || !form.closest("[id^='part-']")) return;
    if ((form.getAttribute("hx-post") || "") === "") return;
    form.reset();
  });
})();
