// The mediation dashboard's charts, drawn from the figures the page embeds (#dashboard-data).
(function () {
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var L = data.labels;
  var RISK = ["#ffc107", "#fd7e14", "#dc3545"];
  var charts = [];

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(Object.assign({ animation: false, tooltip: { trigger: "item" } }, option));
    charts.push(c);
  }

  chart("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.trend.map(function (m) { return m.month; }) },
    yAxis: [{ type: "value" }, { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min) - 2); }, max: 100 }],
    series: [
      { name: L.received, type: "bar", data: data.trend.map(function (m) { return m.received; }) },
      { name: L.succeeded, type: "bar", data: data.trend.map(function (m) { return m.succeeded; }) },
      { name: L.success_rate, type: "line", yAxisIndex: 1, data: data.trend.map(function (m) { return m.success_rate; }) },
    ],
  });

  chart("chart-levels", {
    legend: { bottom: 0 },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.levels, label: { formatter: "{b}\n{d}%" } }],
  });

  chart("chart-categories", {
    series: [{ type: "pie", radius: "65%", data: data.categories, label: { formatter: "{b}: {c}" } }],
  });

  chart("chart-warnings", {
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    xAxis: { type: "category", data: data.warnings.map(function (w) { return w.name; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{
      type: "bar",
      data: data.warnings.map(function (w, i) { return { value: w.value, itemStyle: { color: RISK[i] } }; }),
    }],
  });

  var offices = data.offices.filter(function (o) { return o.success_rate !== null; });
  chart("chart-offices", {
    tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 16, bottom: 80 },
    xAxis: { type: "category", data: offices.map(function (o) { return o.name; }), axisLabel: { rotate: 45, interval: 0 } },
    yAxis: { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min) - 2); }, max: 100 },
    series: [{
      name: L.success_rate,
      type: "bar",
      data: offices.map(function (o) { return { value: o.success_rate, itemStyle: { color: o.success_rate < 98 ? "#dc3545" : "#198754" } }; }),
      markLine: { silent: true, symbol: "none", data: [{ yAxis: 98 }], lineStyle: { type: "dashed" } },
    }],
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
