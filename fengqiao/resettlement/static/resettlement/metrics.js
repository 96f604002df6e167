// The resettlement figures' charts, drawn from the figures the page embeds (#resettlement-data).
(function () {
  var data = JSON.parse(document.getElementById("resettlement-data").textContent);
  var charts = [];

  function bar(id, rows, colours) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: rows.length > 3 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{
        name: data.labels.persons,
        type: "bar",
        data: rows.map(function (r, i) { return colours ? { value: r.value, itemStyle: { color: colours[i] } } : r.value; }),
      }],
    });
    charts.push(c);
  }

  bar("chart-levels", data.levels, ["#fd7e14", "#0d6efd"]);
  bar("chart-employment", data.employment);

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
