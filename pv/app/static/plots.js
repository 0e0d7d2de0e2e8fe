// The workbench's interactive plots (uPlot, shipped in static/uplot): each reads its data from a JSON block the
// page carries (no inline script runs: the pages' Content-Security-Policy allows scripts from this server only).
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function width(el) { return Math.max(320, Math.min(900, el.clientWidth || 900)); }

  function trend() {
    var d = data("trend-data"), el = document.getElementById("trend-plot");
    if (!d || !el || !d.quarters.length) return;
    var x = d.quarters.map(function (_, i) { return i; });
    var opts = {
      title: "EBGM and its 90 % interval at each quarter end (as known then)", width: width(el), height: 300,
      scales: { x: { time: false } },
      axes: [{ values: function (u, ticks) { return ticks.map(function (t) { return d.quarters[t] || ""; }); } },
             { label: "EBGM" }],
      series: [{ label: "quarter", value: function (u, v) { return v == null ? "" : d.quarters[v]; } },
               { label: "EB05", stroke: "#1f77b4", width: 2 }, { label: "EBGM", stroke: "#2ca02c" },
               { label: "EB95", stroke: "#9ecae1" }, { label: "threshold", stroke: "#d62728", dash: [6, 4] }]
    };
    new uPlot(opts, [x, d.eb05, d.ebgm, d.eb95, x.map(function () { return d.threshold; })], el);
  }

  function onset() {
    var d = data("onset-data"), el = document.getElementById("onset-plot");
    if (!d || !el || !d.days.length) return;
    var bin = d.bin_days, n = Math.floor(Math.max.apply(null, d.days) / bin) + 1, counts = [], x = [];
    for (var i = 0; i < n; i++) { counts.push(0); x.push(i * bin); }
    d.days.forEach(function (v) { counts[Math.floor(v / bin)] += 1; });
    var opts = {
      title: "Days from therapy start to onset (" + bin + "-day bins)", width: width(el), height: 260,
      scales: { x: { time: false } }, axes: [{ label: "days" }, { label: "cases" }],
      series: [{ label: "from day" }, { label: "cases", fill: "rgba(31,119,180,0.5)", stroke: "#1f77b4",
                paths: uPlot.paths.bars({ size: [0.9, 100] }) }]
    };
    new uPlot(opts, [x, counts], el);
  }

  document.addEventListener("DOMContentLoaded", function () { trend(); onset(); });
})();
