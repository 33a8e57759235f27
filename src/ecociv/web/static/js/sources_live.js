/* An outlet's live chart: polls the live feed (real-time values, CN 2011) every few seconds
   and redraws one ECharts line per parameter against the hourly limit line.
   window.ecocivLive.poll() asks at once (used after a device sends). */
(function () {
  "use strict";
  var card = document.getElementById("live");
  var box = document.getElementById("live-charts");
  var status = document.getElementById("live-status");
  if (!card || !box || !status || !window.echarts || !window.fetch) { return; }
  var zh = document.documentElement.lang === "zh-CN";
  var url = card.dataset.url;
  var every = Math.max(5, parseInt(card.dataset.pollSeconds || "15", 10)) * 1000;
  var charts = {};

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(d) { return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()); }

  function draw(s) {
    var chart = charts[s.code];
    if (!chart) {
      var el = document.createElement("div");
      el.className = "chart";
      el.dataset.code = s.code;
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", s.code);
      box.appendChild(el);
      chart = charts[s.code] = echarts.init(el);
    }
    var title = (zh ? s.name_zh : s.name_en) + " " + s.code + (s.unit ? " (" + s.unit + ")" : "") + (s.converted ? (zh ? " 折算" : " converted") : "");
    var line = {
      name: title, type: "line", showSymbol: s.points.length < 40,
      data: s.points.map(function (p) { return [new Date(p[0]), p[1]]; })
    };
    if (s.limit !== null) {
      line.markLine = {
        symbol: "none", lineStyle: { color: "#e02020", type: "dashed" },
        label: { formatter: (zh ? "小时限值 " : "hourly limit ") + s.limit },
        data: [{ yAxis: s.limit }]
      };
    }
    chart.setOption({
      animation: false,
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      grid: { left: 16, right: 24, top: 40, bottom: 24, containLabel: true },
      xAxis: { type: "time" },
      yAxis: { type: "value", scale: true },
      series: [line]
    }, true);
    chart.getDom().dataset.points = String(s.points.length);
  }

  function poll() {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var n = 0;
        data.series.forEach(function (s) { n += s.points.length; draw(s); });
        card.dataset.points = String(n);
        status.textContent = n
          ? (zh ? "更新于 " : "Updated ") + clock(new Date()) + (zh ? " · " + data.series.length + " 项参数，" + n + " 个实时值" : " · " + data.series.length + " parameters, " + n + " values")
          : (zh ? "最近没有实时数据（设备只发送小时数据，或已离线）。" : "No recent real-time data (the device sends hourly data only, or is offline).");
      })
      .catch(function () { status.textContent = zh ? "实时数据暂时取不到，稍后重试。" : "Live data unavailable; retrying."; });
  }

  window.ecocivLive = { poll: poll };
  poll();
  setInterval(function () { if (!document.hidden) { poll(); } }, every);
  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
})();
