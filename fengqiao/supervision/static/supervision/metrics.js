// The supervision figures' charts, drawn from the figures the page embeds (#supervision-data).
(function () {
  var data = JSON.parse(document.getElementById("supervision-data").textContent);
  var charts = [];

  function bar(id, rows, colour) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 64 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: rows.length > 3 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: data.labels.count, type: "bar", itemStyle: { color: colour }, data: rows.map(function (r) { return r.value; }) }],
    });
    charts.push(c);
  }

  bar("chart-kinds", data.kinds, "#0d6efd");
  bar("chart-categories", data.categories, "#fd7e14");

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
