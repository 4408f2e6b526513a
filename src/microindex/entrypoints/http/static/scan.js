// The shopper's scan page: sort by distance from where the phone is, and one hold per tap.
(function () {
  "use strict";
  const locate = document.getElementById("locate");
  const message = document.getElementById("locate-message");
  if (locate && !navigator.geolocation) {
    locate.hidden = true;
  } else if (locate) {
    locate.addEventListener("click", function () {
      locate.disabled = true;
      message.textContent = "Finding where you are…";
      navigator.geolocation.getCurrentPosition(
        function (where) {
          const url = new URL(window.location.href);
          url.searchParams.set("lat", where.coords.latitude.toFixed(5));
          url.searchParams.set("lon", where.coords.longitude.toFixed(5));
          window.location.assign(url.toString());
        },
        function () {
          locate.disabled = false;
          message.textContent = "We could not tell where you are.";
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 }
      );
    });
  }
  document.querySelectorAll("form.hold").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault(); // the first tap is on its way
        return;
      }
      form.dataset.sent = "yes";
    });
  });
})();
