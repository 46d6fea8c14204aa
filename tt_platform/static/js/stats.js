// Draws every element with a data-chart attribute (an ECharts option as JSON, built by the server).
// A separate file rather than an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(el.getAttribute("data-chart")));
    el.setAttribute("data-chart-ready", "1");
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
