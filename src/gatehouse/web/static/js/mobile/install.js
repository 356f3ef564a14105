// Make the Mobile app installable: register the service worker (static files only).

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(() => {
    /* the app works without it, just not offline-installed */
  });
}
