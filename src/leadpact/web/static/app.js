// leadpact's only script: live SLA countdowns. Pages work without it; it keeps the clocks ticking between loads.
(function () {
  "use strict";
  var serverNow = Date.parse(document.body.getAttribute("data-server-now"));
  // The server's clock may be simulated (the demo): count from its time, not the browser's.
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function words(ms) {
    var left = Math.abs(Math.trunc(ms / 1000));
    var days = Math.floor(left / 86400), hours = Math.floor((left % 86400) / 3600);
    var minutes = Math.floor((left % 3600) / 60), seconds = left % 60;
    var text;
    if (days) { text = days + " d " + hours + " h"; }
    else if (hours) { text = hours + " h " + String(minutes).padStart(2, "0") + " min"; }
    else { text = minutes + " min " + String(seconds).padStart(2, "0") + " s"; }
    return ms < 0 ? "overdue by " + text : text;
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("time[data-deadline]").forEach(function (clock) {
      var left = Date.parse(clock.getAttribute("data-deadline")) - now;
      clock.textContent = words(left);
      clock.classList.toggle("overdue", left < 0);
      clock.classList.toggle("soon", left >= 0 && left < 15 * 60 * 1000);
    });
  }

  tick();
  setInterval(tick, 1000);
})();
