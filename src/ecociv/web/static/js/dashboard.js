/* Home dashboard charts (ECharts). Data comes from the JSON block the page embeds. */
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || !window.echarts) { return; }
  var data = JSON.parse(holder.textContent);
  var zh = document.documentElement.lang === "zh-CN";
  var zoneColour = {
    national_key_ecological_function: "#2e9e5b",
    national_agricultural_production: "#d9a521",
    provincial_key_development: "#5b7fd6"
  };
  function name(o) { return zh ? o.name_zh : o.name_en; }
  var charts = [];

  var areaEl = document.getElementById("chart-areas");
  if (areaEl) {
    var areas = echarts.init(areaEl);
    areas.setOption({
      tooltip: { trigger: "item", formatter: function (p) {
        var c = data.counties[p.dataIndex];
        var z = data.zones[c.zone];
        return name(c) + "<br>" + p.value.toFixed(1) + " km²<br>" + (z ? (zh ? z.zh : z.en) : "");
      } },
      grid: { left: 60, right: 16, top: 16, bottom: 30 },
      xAxis: { type: "category", data: data.counties.map(name) },
      yAxis: { type: "value", name: "km²" },
      series: [{ type: "bar", data: data.counties.map(function (c) {
        return { value: c.area_km2, itemStyle: { color: zoneColour[c.zone] || "#888" } };
      }) }]
    });
    charts.push(areas);
  }

  var entEl = document.getElementById("chart-enterprises");
  if (entEl && data.enterprises) {
    var tags = Object.keys(data.tags);
    var ent = echarts.init(entEl);
    ent.setOption({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 40, right: 16, top: 16, bottom: 60 },
      xAxis: { type: "category", data: data.counties.map(name) },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: zh ? "企业总数" : "All enterprises", type: "bar",
                 data: data.counties.map(function (c) { return (data.enterprises[c.code] || {}).total || 0; }) }]
        .concat(tags.map(function (t) {
          return { name: zh ? data.tags[t].zh : data.tags[t].en, type: "bar",
                   data: data.counties.map(function (c) { return (data.enterprises[c.code] || {})[t] || 0; }) };
        }))
    });
    charts.push(ent);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
