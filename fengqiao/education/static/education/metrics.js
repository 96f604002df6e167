// The legal-education figures' chart, drawn from the figures the page embeds (#education-data).
(function () {
  var data = JSON.parse(document.getElementById("education-data").textContent);
  var el = document.getElementById("chart-forms");
  if (!el || !window.echarts) return;
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 16, top: 16, bottom: 72 },
    xAxis: { type: "category", data: data.forms.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 35 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: data.labels.activities, type: "bar", data: data.forms.map(function (r) { return r.value; }), itemStyle: { color: "#0d6efd" } }],
  });
  window.addEventListener("resize", function () { chart.resize(); });
  window.addEventListener("beforeprint", function () { chart.resize(); });
})();
