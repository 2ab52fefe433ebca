/*
 * fanfold report page: draws the charts from the model embedded in the page and makes tables
 * sortable. Everything is inline (no network). What each chart plotted is published on
 * window.fanfoldReport.rendered[phase] and as data-points on its container, so a reader (or a
 * test) can check the counts against results.db.
 */
(function () {
  'use strict';
  var model = JSON.parse(document.getElementById('fanfold-model').textContent);
  var report = { model: model, charts: {}, rendered: {} };
  window.fanfoldReport = report;

  var FRACTIONS = { total_return: 1, cagr: 1, volatility: 1, max_drawdown: 1, win_rate: 1, exposure: 1 };
  var LABELS = {
    final_equity: 'Final equity',
    total_return: 'Total return',
    cagr: 'CAGR',
    volatility: 'Volatility',
    sharpe: 'Sharpe',
    sortino: 'Sortino',
    max_drawdown: 'Max drawdown',
    calmar: 'Calmar',
    trades: 'Trades',
    win_rate: 'Win rate',
    profit_factor: 'Profit factor',
    exposure: 'Exposure',
  };
  var COLORS = {
    equity: '#2563eb',
    drawdown: '#dc2626',
    train: '#93c5fd',
    test: '#f59e0b',
    inSample: '#60a5fa',
    outSample: '#f59e0b',
    bars: '#6366f1',
    mc: '#2563eb',
    mcTrades: '#059669',
    buyHold: '#6b7280',
    outside: '#d4d4d8',
  };
  // Trials outside the result constraints: grey, hatched (ECharts decal), in heatmaps and histograms alike.
  var OUTSIDE_DECAL = { symbol: 'rect', symbolSize: 1, dashArrayX: [1, 0], dashArrayY: [2, 3], rotation: Math.PI / 4, color: 'rgba(82,82,91,0.55)' };
  var OUTSIDE_NAME = 'Outside the result constraints';
  var VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
  var DAY = 86400000;
  // Heatmap cell borders: near-white between cells, dark around the best set's cell. Distinct
  // colours, so the cells are countable in the SVG.
  var CELL_BORDER = '#fdfdfd';
  var BEST_BORDER = '#111827';
  var PLATEAU_BORDER = '#dc2626';
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

  function grouped(v, digits) {
    return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  /** A metric value: percentages for fractions, grouped money, 3 decimals for ratios. */
  function fmt(metric, v) {
    if (v === null || v === undefined || isNaN(v)) return '—';
    if (FRACTIONS[metric]) return grouped(v * 100, 2) + '%';
    if (metric === 'final_equity') return grouped(v, 2);
    if (metric === 'trades') return grouped(v, 0);
    return grouped(v, 3);
  }
  /** Axis labels: short. */
  function axisFmt(metric, v) {
    if (FRACTIONS[metric]) return grouped(v * 100, Math.abs(v) < 0.1 ? 1 : 0) + '%';
    if (metric === 'final_equity' || metric === 'equity') return compact(v);
    return String(Math.round(v * 1000) / 1000);
  }
  function compact(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'B';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(a >= 1e4 ? 0 : 1) + 'k';
    return String(Math.round(v * 100) / 100);
  }
  function day(t) {
    return new Date(t).toISOString().slice(0, 10);
  }
  function init(el) {
    var chart = echarts.init(el, null, { renderer: 'svg' });
    window.addEventListener('resize', function () {
      chart.resize();
    });
    return chart;
  }
  function base() {
    return { animation: false, textStyle: { fontFamily: FONT, color: '#1f2937' }, grid: { left: 72, right: 28, top: 36, bottom: 48, containLabel: false } };
  }
  function axisName(text) {
    return { name: text, nameTextStyle: { color: '#6b7280', fontSize: 12 } };
  }
  function assign(target) {
    for (var i = 1; i < arguments.length; i++) for (var k in arguments[i]) target[k] = arguments[i][k];
    return target;
  }
  function publish(el, rendered, key, count) {
    rendered[key] = count;
    el.setAttribute('data-points', String(count));
  }

  /** Buy-and-hold of the same bars (model: buy-hold.ts), a thin grey dashed line. */
  function buyHoldSeries(points) {
    return {
      name: 'Buy and hold',
      type: 'line',
      data: points,
      showSymbol: false,
      lineStyle: { width: 1.1, color: COLORS.buyHold, type: 'dashed' },
      itemStyle: { color: COLORS.buyHold },
    };
  }

  /**
   * An equity chart's value axis, linear or logarithmic. ECharts' log axis ticks only at powers of
   * ten (one label for equity between 80k and 130k), so the log axis gets its own ticks: round
   * numbers inside the data's range (80k, 90k, … when it spans less than 4×; 1, 2, 5 × 10^k beyond).
   */
  function equityAxis(name, log, values, extra) {
    var label = {
      formatter: function (v) {
        return compact(v);
      },
    };
    var axis = assign({ type: 'value', scale: true, axisLabel: label }, axisName(name), extra || {});
    if (!log) return axis;
    var lo = Infinity,
      hi = -Infinity;
    values.forEach(function (v) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
    var t = logTicks(lo, hi);
    return assign(axis, {
      type: 'log',
      logBase: 10,
      scale: false,
      min: t.min,
      max: t.max,
      axisLabel: assign({ customValues: t.ticks }, label),
      axisTick: { customValues: t.ticks },
    });
  }
  function logTicks(lo, hi) {
    var round = function (v) {
      return Number(v.toPrecision(12));
    };
    var ticks = [];
    if (hi / lo < 4) {
      var raw = (hi - lo) / 5 || lo / 10;
      var p10 = Math.pow(10, Math.floor(Math.log10(raw)));
      var f = raw / p10;
      var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p10;
      var first = Math.floor(lo / step),
        last = Math.ceil(hi / step);
      // A flat curve (no trade): one step either side, so the axis has a height.
      if (first === last) {
        first--;
        last++;
      }
      for (var k = first; k <= last; k++) if (k > 0) ticks.push(round(k * step));
      return { ticks: ticks, min: first > 0 ? round(first * step) : lo, max: round(last * step) };
    }
    var steps = [];
    for (var e = Math.floor(Math.log10(lo)) - 1; e <= Math.ceil(Math.log10(hi)); e++)
      [1, 2, 5].forEach(function (m) {
        steps.push(round(m * Math.pow(10, e)));
      });
    var min = steps.filter(function (v) {
      return v <= lo;
    });
    var max = steps.filter(function (v) {
      return v >= hi;
    });
    var from = min[min.length - 1],
      to = max[0];
    return {
      ticks: steps.filter(function (v) {
        return v >= from && v <= to;
      }),
      min: from,
      max: to,
    };
  }

  /**
   * The "logarithmic scale" switch of an equity chart: its first y axis becomes a log axis (equal
   * heights for equal ratios, so steady compounding reads as a straight line). Values ≤ 0 cannot
   * be drawn on it: the switch is then disabled and says why. `axisOf(log)` builds the whole axis
   * (changing an ECharts axis's type replaces it). The state is published as rendered.scales[chart].
   */
  function logSwitch(chartId, chart, rendered, values, axisOf) {
    var box = document.getElementById(chartId + '-log');
    if (!box) return;
    var scales = (rendered.scales = rendered.scales || {});
    scales[chartId] = 'linear';
    var positive =
      values.length > 0 &&
      values.every(function (v) {
        return v > 0;
      });
    if (!positive) {
      box.disabled = true;
      box.parentNode.title = 'a value at or below 0 cannot be drawn on a logarithmic scale';
      return;
    }
    box.addEventListener('change', function () {
      chart.setOption({ yAxis: [axisOf(box.checked)] });
      scales[chartId] = box.checked ? 'log' : 'linear';
    });
  }
  function yValues() {
    var out = [];
    for (var i = 0; i < arguments.length; i++)
      if (arguments[i])
        arguments[i].forEach(function (q) {
          out.push(q[1]);
        });
    return out;
  }

  function equityChart(p, id, rendered) {
    var el = document.getElementById(id + '-equity');
    if (!el || !p.bestCurve || p.bestCurve.reason) return;
    var c = p.bestCurve;
    var chart = init(el);
    report.charts[id + '-equity'] = chart;
    var dd = c.drawdown.map(function (d) {
      return [d[0], -d[1]];
    });
    var values = yValues(c.equity, c.buyHold);
    chart.setOption(
      assign(base(), {
        grid: [
          { left: 80, right: 28, top: 30, height: '56%' },
          { left: 80, right: 28, top: '72%', bottom: 56 },
        ],
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'line' },
          formatter: function (items) {
            var t = items[0].value[0];
            return (
              day(t) +
              items
                .map(function (it) {
                  return (
                    '<br>' +
                    it.marker +
                    it.seriesName +
                    ': ' +
                    (it.seriesName === 'Drawdown' ? fmt('max_drawdown', -it.value[1]) : fmt('final_equity', it.value[1]))
                  );
                })
                .join('')
            );
          },
        },
        axisPointer: { link: [{ xAxisIndex: 'all' }] },
        legend: { top: 0, data: ['Equity', 'Buy and hold', 'Drawdown'] },
        xAxis: [
          assign({ type: 'time', gridIndex: 0, axisLabel: { show: false } }),
          assign({ type: 'time', gridIndex: 1 }, axisName('Date'), { nameLocation: 'middle', nameGap: 28 }),
        ],
        yAxis: [
          equityAxis('Equity', false, values, { gridIndex: 0 }),
          assign(
            {
              type: 'value',
              gridIndex: 1,
              max: 0,
              splitNumber: 2,
              axisLabel: {
                formatter: function (v) {
                  return grouped(v * 100, 0) + '%';
                },
              },
            },
            axisName('Drawdown'),
          ),
        ],
        dataZoom: [{ type: 'inside', xAxisIndex: [0, 1] }],
        series: [
          {
            name: 'Equity',
            type: 'line',
            data: c.equity,
            showSymbol: false,
            lineStyle: { width: 1.4, color: COLORS.equity },
            itemStyle: { color: COLORS.equity },
          },
          {
            name: 'Drawdown',
            type: 'line',
            xAxisIndex: 1,
            yAxisIndex: 1,
            data: dd,
            showSymbol: false,
            lineStyle: { width: 1, color: COLORS.drawdown },
            itemStyle: { color: COLORS.drawdown },
            areaStyle: { color: 'rgba(220,38,38,0.18)' },
          },
          buyHoldSeries(c.buyHold),
        ],
      }),
    );
    publish(el, rendered, 'equityPoints', c.equity.length);
    rendered.drawdownPoints = dd.length;
    rendered.buyHoldPoints = c.buyHold.length;
    logSwitch(id + '-equity', chart, rendered, values, function (log) {
      return equityAxis('Equity', log, values, { gridIndex: 0 });
    });
  }

  function heatmapChart(p, id, rendered) {
    var el = document.getElementById(id + '-heatmap');
    if (!el) return;
    var selX = document.getElementById(id + '-hm-x');
    var selY = document.getElementById(id + '-hm-y');
    var selMode = document.getElementById(id + '-hm-mode');
    var axes = {};
    p.heatmap.axes.forEach(function (a) {
      axes[a.name] = a;
    });
    var chart = init(el);
    report.charts[id + '-heatmap'] = chart;
    var metric = p.objective.metric;
    var constrained = p.objective.minTrades !== undefined || p.objective.maxDrawdown !== undefined;
    var last = { x: selX.value, y: selY.value };

    function draw() {
      // Choosing the same parameter on both axes swaps them.
      if (selX.value === selY.value) {
        if (selX.value !== last.x) selY.value = last.x;
        else selX.value = last.y;
      }
      last = { x: selX.value, y: selY.value };
      var xName = selX.value,
        yName = selY.value,
        mode = selMode.value;
      var col = { best: 2, mean: 3, fixed: 4 }[mode];
      var pair = null,
        transposed = false;
      p.heatmap.pairs.forEach(function (q) {
        if (q.x === xName && q.y === yName) pair = q;
        if (q.x === yName && q.y === xName) {
          pair = q;
          transposed = true;
        }
      });
      var best = p.best ? p.best.params : null;
      var bx = best ? column(axes[xName], best[xName]) : -1;
      var by = best ? column(axes[yName], best[yName]) : -1;
      // The plateau best (robustness.plateau), outlined in red when it is not the best set.
      var plateau = p.robustness && p.robustness.plateau && p.robustness.plateau.plateau_best ? p.robustness.plateau.plateau_best.params : null;
      var px = plateau ? column(axes[xName], plateau[xName]) : -1;
      var py = plateau ? column(axes[yName], plateau[yName]) : -1;
      var data = [],
        outside = [];
      var lo = Infinity,
        hi = -Infinity;
      pair.cells.forEach(function (c) {
        var v = c[col];
        if (v === null) return;
        var x = transposed ? c[1] : c[0],
          y = transposed ? c[0] : c[1];
        // Outside the result constraints: every trial the shown value comes from is (trials.ts HeatmapCell).
        var out = constrained && (mode === 'fixed' ? c[8] === 1 : c[6] > 0 && c[7] === c[6]);
        var item = { value: [x, y, v, c[5], c[7]] };
        if (x === bx && y === by) item.itemStyle = { borderColor: BEST_BORDER, borderWidth: 2.5 };
        else if (x === px && y === py) item.itemStyle = { borderColor: PLATEAU_BORDER, borderWidth: 2.5 };
        if (out) {
          outside.push(item);
          return;
        }
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        data.push(item);
      });
      // The best set's cell last, so its border is drawn over its neighbours.
      data.sort(function (a, b) {
        return (a.itemStyle ? 1 : 0) - (b.itemStyle ? 1 : 0);
      });
      if (lo === Infinity) {
        lo = 0;
        hi = 1;
      }
      if (lo === hi) {
        lo -= 1e-9;
        hi += 1e-9;
      }
      var few = data.length + outside.length <= 150;
      var cellLabel = {
        show: few,
        fontSize: 10.5,
        formatter: function (it) {
          return fmt(metric, it.value[2]);
        },
      };
      var series = [
        {
          type: 'heatmap',
          name: 'Inside the result constraints',
          data: data,
          itemStyle: { borderColor: CELL_BORDER, borderWidth: 1 },
          label: cellLabel,
          emphasis: { itemStyle: { borderColor: '#6b7280', borderWidth: 1 } },
        },
      ];
      if (constrained)
        series.push({
          type: 'heatmap',
          name: OUTSIDE_NAME,
          data: outside,
          itemStyle: { color: COLORS.outside, decal: OUTSIDE_DECAL, borderColor: CELL_BORDER, borderWidth: 1 },
          label: assign({}, cellLabel, { color: '#52525b' }),
          emphasis: { itemStyle: { borderColor: '#6b7280', borderWidth: 1 } },
        });
      chart.setOption(
        assign(base(), {
          grid: { left: 90, right: 110, top: 30, bottom: 64 },
          tooltip: {
            formatter: function (it) {
              var v = it.value;
              return (
                xName +
                ' = ' +
                axes[xName].labels[v[0]] +
                '<br>' +
                yName +
                ' = ' +
                axes[yName].labels[v[1]] +
                '<br>' +
                LABELS[metric] +
                ': <b>' +
                fmt(metric, v[2]) +
                '</b>' +
                (mode === 'fixed' ? '' : '<br>' + (mode === 'mean' ? 'mean' : 'best') + ' of ' + v[3] + ' trial' + (v[3] === 1 ? '' : 's')) +
                (constrained && v[4] > 0 ? '<br>' + v[4] + ' outside the result constraints' : '')
              );
            },
          },
          xAxis: assign({ type: 'category', data: axes[xName].labels }, axisName(xName), { nameLocation: 'middle', nameGap: 32 }),
          yAxis: assign({ type: 'category', data: axes[yName].labels }, axisName(yName), { nameLocation: 'middle', nameGap: 64 }),
          legend: constrained ? { top: 0, right: 110, data: [OUTSIDE_NAME] } : undefined,
          visualMap: {
            seriesIndex: 0,
            dimension: 2,
            min: lo,
            max: hi,
            calculable: true,
            orient: 'vertical',
            right: 8,
            top: 'middle',
            itemHeight: 220,
            text: [LABELS[metric], ''],
            inRange: { color: p.objective.direction === 'max' ? VIRIDIS : VIRIDIS.slice().reverse() },
            formatter: function (v) {
              return fmt(metric, v);
            },
          },
          series: series,
        }),
        true,
      );
      publish(el, rendered, 'heatmapCells', data.length + outside.length);
      rendered.heatmap = { x: xName, y: yName, mode: mode, outside: outside.length };
    }
    selX.addEventListener('change', draw);
    selY.addEventListener('change', draw);
    selMode.addEventListener('change', draw);
    draw();
  }
  /** The column of a parameter value on an axis: its bin when binned, else the column with its label. */
  function column(axis, v) {
    if (!axis.edges) return axis.labels.indexOf(label(v));
    var i = 0;
    while (i + 1 < axis.edges.length && axis.edges[i + 1] <= v) i++;
    return i;
  }
  /** The label an axis gives a parameter value (json_extract's reading: booleans 1/0, maps as JSON). */
  function label(v) {
    if (v === null || v === undefined) return 'none';
    if (typeof v === 'boolean') return v ? '1' : '0';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function histogramChart(p, id, rendered) {
    var el = document.getElementById(id + '-histogram');
    if (!el || !p.histogram) return;
    var hg = p.histogram,
      metric = p.objective.metric;
    var labels = hg.counts.map(function (_, k) {
      return fmt(metric, hg.lo + (k + 0.5) * hg.width);
    });
    var chart = init(el);
    report.charts[id + '-histogram'] = chart;
    var bestBin = null;
    if (p.best && p.best.metrics[metric] !== null) bestBin = Math.min(hg.counts.length - 1, Math.floor((p.best.metrics[metric] - hg.lo) / hg.width));
    // A best set ranked on combined segments (k_fold, cpcv) may lie outside the histogram's trials.
    if (bestBin !== null && !(bestBin >= 0)) bestBin = null;
    // With result constraints, each bin is stacked: trials inside them, then those outside (hatched grey).
    var outside = hg.outside;
    var inside = outside
      ? hg.counts.map(function (c, k) {
          return c - outside[k];
        })
      : hg.counts;
    var markLine =
      bestBin === null
        ? undefined
        : { symbol: 'none', lineStyle: { color: '#111827', type: 'dashed' }, label: { formatter: 'best set' }, data: [{ xAxis: labels[bestBin] }] };
    var series = [
      {
        name: 'Inside the result constraints',
        type: 'bar',
        stack: 'trials',
        data: inside,
        barCategoryGap: '8%',
        itemStyle: { color: COLORS.bars },
        markLine: markLine,
      },
    ];
    if (outside) series.push({ name: OUTSIDE_NAME, type: 'bar', stack: 'trials', data: outside, itemStyle: { color: COLORS.outside, decal: OUTSIDE_DECAL } });
    chart.setOption(
      assign(base(), {
        grid: { left: 64, right: 28, top: 30, bottom: 56 },
        tooltip: {
          trigger: 'axis',
          formatter: function (items) {
            var k = items[0].dataIndex;
            var n = hg.counts[k];
            return (
              fmt(metric, hg.lo + k * hg.width) +
              ' to ' +
              fmt(metric, hg.lo + (k + 1) * hg.width) +
              '<br><b>' +
              n +
              '</b> trial' +
              (n === 1 ? '' : 's') +
              (outside ? ', ' + outside[k] + ' outside the result constraints' : '')
            );
          },
        },
        legend: outside ? { top: 0, data: ['Inside the result constraints', OUTSIDE_NAME] } : undefined,
        xAxis: assign({ type: 'category', data: labels, axisLabel: { hideOverlap: true } }, axisName(LABELS[metric] + ' (bin centre)'), {
          nameLocation: 'middle',
          nameGap: 30,
        }),
        yAxis: assign({ type: 'value', minInterval: 1 }, axisName('Trials')),
        series: series,
      }),
    );
    publish(el, rendered, 'histogramBins', hg.counts.length);
    var sum = function (a, b) {
      return a + b;
    };
    rendered.histogramTotal = hg.counts.reduce(sum, 0);
    rendered.histogramOutside = outside ? outside.reduce(sum, 0) : 0;
  }

  function timelineChart(p, id, rendered) {
    var el = document.getElementById(id + '-timeline');
    if (!el || !p.windows) return;
    var w = p.windows;
    var ms = function (s) {
      return Date.parse(s + 'T00:00:00Z');
    };
    var train = w.map(function (x, k) {
      return [k, ms(x.train_dates[0]), ms(x.train_dates[1]) + DAY];
    });
    var test = w.map(function (x, k) {
      return [k, ms(x.test_dates[0]), ms(x.test_dates[1]) + DAY];
    });
    function renderItem(params, api) {
      var y = api.value(0);
      var s = api.coord([api.value(1), y]);
      var e = api.coord([api.value(2), y]);
      var height = api.size([0, 1])[1] * 0.62;
      var shape = echarts.graphic.clipRectByRect(
        { x: s[0], y: s[1] - height / 2, width: Math.max(e[0] - s[0], 1), height: height },
        { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height },
      );
      return shape && { type: 'rect', shape: shape, style: api.style() };
    }
    var chart = init(el);
    report.charts[id + '-timeline'] = chart;
    var tip = function (kind) {
      return function (it) {
        var x = w[it.value[0]];
        var m = p.objective.metric;
        return (
          '<b>Window ' +
          (it.value[0] + 1) +
          '</b> (' +
          kind +
          ')<br>train ' +
          x.train_dates[0] +
          ' → ' +
          x.train_dates[1] +
          '<br>test ' +
          x.test_dates[0] +
          ' → ' +
          x.test_dates[1] +
          '<br>in-sample ' +
          LABELS[m] +
          ': ' +
          fmt(m, x.best ? x.best.metrics[m] : null) +
          '<br>out-of-sample ' +
          LABELS[m] +
          ': ' +
          fmt(m, x.test_metrics ? x.test_metrics[m] : null)
        );
      };
    };
    chart.setOption(
      assign(base(), {
        grid: { left: 64, right: 28, top: 34, bottom: 48 },
        legend: { top: 0, data: ['Train (in-sample)', 'Test (out-of-sample)'] },
        tooltip: {},
        xAxis: assign({ type: 'time' }, axisName('Date'), { nameLocation: 'middle', nameGap: 28 }),
        yAxis: {
          type: 'category',
          inverse: true,
          data: w.map(function (_, k) {
            return 'W' + (k + 1);
          }),
          axisLabel: { interval: w.length > 30 ? Math.ceil(w.length / 30) - 1 : 0 },
        },
        series: [
          {
            name: 'Train (in-sample)',
            type: 'custom',
            renderItem: renderItem,
            encode: { x: [1, 2], y: 0 },
            data: train,
            itemStyle: { color: COLORS.train },
            tooltip: { formatter: tip('train') },
          },
          {
            name: 'Test (out-of-sample)',
            type: 'custom',
            renderItem: renderItem,
            encode: { x: [1, 2], y: 0 },
            data: test,
            itemStyle: { color: COLORS.test },
            tooltip: { formatter: tip('test') },
          },
        ],
      }),
    );
    publish(el, rendered, 'windows', w.length);
  }

  function isOosChart(p, id, rendered) {
    var el = document.getElementById(id + '-isoos');
    if (!el || !p.windows) return;
    var sel = document.getElementById(id + '-isoos-metric');
    var chart = init(el);
    report.charts[id + '-isoos'] = chart;
    var w = p.windows;
    function draw() {
      var m = sel.value;
      var is = w.map(function (x) {
        return x.best ? x.best.metrics[m] : null;
      });
      var oos = w.map(function (x) {
        return x.test_metrics ? x.test_metrics[m] : null;
      });
      chart.setOption(
        assign(base(), {
          legend: { top: 0, data: ['In-sample (train, chosen set)', 'Out-of-sample (test)'] },
          tooltip: {
            trigger: 'axis',
            valueFormatter: function (v) {
              return fmt(m, v);
            },
          },
          xAxis: assign(
            {
              type: 'category',
              data: w.map(function (_, k) {
                return 'W' + (k + 1);
              }),
            },
            axisName('Window'),
            { nameLocation: 'middle', nameGap: 28 },
          ),
          yAxis: assign(
            {
              type: 'value',
              axisLabel: {
                formatter: function (v) {
                  return axisFmt(m, v);
                },
              },
            },
            axisName(LABELS[m]),
          ),
          series: [
            { name: 'In-sample (train, chosen set)', type: 'bar', data: is, itemStyle: { color: COLORS.inSample } },
            { name: 'Out-of-sample (test)', type: 'bar', data: oos, itemStyle: { color: COLORS.outSample } },
          ],
        }),
        true,
      );
      rendered.isOos = { metric: m, windows: w.length };
    }
    sel.addEventListener('change', draw);
    draw();
  }

  /** A stitched out-of-sample equity (walk-forward's test windows, k_fold's test folds) with buy-and-hold of the same bars. */
  function stitchedChart(el, chartId, curve, rendered, key) {
    var chart = init(el);
    report.charts[chartId] = chart;
    var series = [
      {
        name: 'Out-of-sample equity',
        type: 'line',
        data: curve.equity,
        showSymbol: false,
        lineStyle: { width: 1.4, color: COLORS.test },
        itemStyle: { color: COLORS.test },
        areaStyle: { color: 'rgba(245,158,11,0.08)' },
      },
    ];
    if (curve.buyHold) series.push(buyHoldSeries(curve.buyHold));
    var values = yValues(curve.equity, curve.buyHold);
    chart.setOption(
      assign(base(), {
        grid: { left: 80, right: 28, top: 30, bottom: 52 },
        legend: { top: 0 },
        tooltip: {
          trigger: 'axis',
          formatter: function (items) {
            return (
              (curve.timeAxis ? day(items[0].value[0]) : 'bar ' + items[0].value[0]) +
              items
                .map(function (it) {
                  return '<br>' + it.marker + it.seriesName + ': ' + fmt('final_equity', it.value[1]);
                })
                .join('')
            );
          },
        },
        xAxis: assign({ type: curve.timeAxis ? 'time' : 'value' }, axisName(curve.timeAxis ? 'Date' : 'Out-of-sample bar'), {
          nameLocation: 'middle',
          nameGap: 28,
        }),
        yAxis: equityAxis('Out-of-sample equity', false, values),
        dataZoom: [{ type: 'inside' }],
        series: series,
      }),
    );
    publish(el, rendered, key, curve.equity.length);
    logSwitch(chartId, chart, rendered, values, function (log) {
      return equityAxis('Out-of-sample equity', log, values);
    });
  }

  function oosChart(p, id, rendered) {
    var el = document.getElementById(id + '-oos');
    if (el && p.walkForward) stitchedChart(el, id + '-oos', p.walkForward, rendered, 'oosPoints');
  }

  function kFoldOosChart(p, id, rendered) {
    var el = document.getElementById(id + '-kfold-oos');
    if (el && p.kFoldOos) stitchedChart(el, id + '-kfold-oos', p.kFoldOos, rendered, 'kFoldOosPoints');
  }

  function monteCarloChart(p, id, rendered) {
    var el = document.getElementById(id + '-mc');
    if (!el || !p.monteCarlo) return;
    var mc = p.monteCarlo;
    var keys = Object.keys(mc.bars.final_equity);
    var cats = keys.map(function (k) {
      return k.slice(1) + 'th';
    });
    var panels = [
      { metric: 'final_equity', title: 'Final equity', bars: mc.bars.final_equity, trades: mc.trades && mc.trades.final_equity },
      { metric: 'max_drawdown', title: 'Max drawdown', bars: mc.bars.max_drawdown, trades: mc.trades && mc.trades.max_drawdown },
      { metric: 'sharpe', title: 'Sharpe', bars: mc.bars.sharpe, trades: null },
    ];
    var chart = init(el);
    report.charts[id + '-mc'] = chart;
    var grid = [],
      xAxis = [],
      yAxis = [],
      series = [],
      title = [];
    panels.forEach(function (panel, k) {
      var left = 4 + k * 33;
      grid.push({ left: left + 5 + '%', width: '24%', top: 56, bottom: 40 });
      title.push({ text: panel.title, left: left + 14 + '%', top: 24, textStyle: { fontSize: 13, fontWeight: 600, fontFamily: FONT } });
      xAxis.push(assign({ type: 'category', gridIndex: k, data: cats }, axisName('Percentile'), { nameLocation: 'middle', nameGap: 26 }));
      yAxis.push({
        type: 'value',
        gridIndex: k,
        scale: true,
        axisLabel: {
          formatter: function (v) {
            return axisFmt(panel.metric, v);
          },
        },
      });
      var actual = p.best ? p.best.metrics[panel.metric] : null;
      series.push({
        name: 'Bar-return bootstrap',
        type: 'line',
        xAxisIndex: k,
        yAxisIndex: k,
        data: keys.map(function (q) {
          return panel.bars[q];
        }),
        symbolSize: 7,
        lineStyle: { color: COLORS.mc },
        itemStyle: { color: COLORS.mc },
        markLine:
          actual === null
            ? undefined
            : {
                symbol: 'none',
                silent: true,
                lineStyle: { type: 'dashed', color: '#111827' },
                label: { formatter: 'best set', position: 'insideEndTop' },
                data: [{ yAxis: actual }],
              },
      });
      if (panel.trades)
        series.push({
          name: 'Trade bootstrap',
          type: 'line',
          xAxisIndex: k,
          yAxisIndex: k,
          data: keys.map(function (q) {
            return panel.trades[q];
          }),
          symbolSize: 7,
          lineStyle: { color: COLORS.mcTrades },
          itemStyle: { color: COLORS.mcTrades },
        });
    });
    chart.setOption(
      assign(base(), {
        title: title,
        grid: grid,
        xAxis: xAxis,
        yAxis: yAxis,
        series: series,
        legend: { top: 0, data: mc.trades ? ['Bar-return bootstrap', 'Trade bootstrap'] : ['Bar-return bootstrap'] },
        tooltip: {
          trigger: 'axis',
          formatter: function (items) {
            var panel = panels[items[0].axisIndex] || panels[0];
            return (
              items[0].axisValue +
              ' percentile' +
              items
                .map(function (it) {
                  return '<br>' + it.marker + it.seriesName + ': ' + fmt(panel.metric, it.value);
                })
                .join('')
            );
          },
        },
      }),
    );
    publish(el, rendered, 'monteCarloBands', keys.length);
  }

  /** PBO: the histogram of the logits λ of the in-sample best's out-of-sample rank (λ ≤ 0: overfit). */
  function lambdaChart(p, id, rendered) {
    var el = document.getElementById(id + '-lambda');
    if (!el || !p.robustness || !p.robustness.pbo) return;
    var lam = p.robustness.pbo.lambda;
    var chart = init(el);
    report.charts[id + '-lambda'] = chart;
    var labels = lam.counts.map(function (_, k) {
      return (Math.round(((lam.edges[k] + lam.edges[k + 1]) / 2) * 100) / 100).toString();
    });
    chart.setOption(
      assign(base(), {
        title: { text: 'Logits λ (PBO = share ≤ 0)', left: 'center', textStyle: { fontSize: 13, fontWeight: 500 } },
        grid: { left: 56, right: 20, top: 40, bottom: 48 },
        tooltip: {
          trigger: 'axis',
          formatter: function (items) {
            var k = items[0].dataIndex;
            return 'λ ' + lam.edges[k].toFixed(3) + ' to ' + lam.edges[k + 1].toFixed(3) + '<br><b>' + items[0].value + '</b> combinations';
          },
        },
        xAxis: assign({ type: 'category', data: labels, axisLabel: { hideOverlap: true } }, axisName('λ (bin centre)'), {
          nameLocation: 'middle',
          nameGap: 30,
        }),
        yAxis: assign({ type: 'value', minInterval: 1 }, axisName('Combinations')),
        series: [
          {
            type: 'bar',
            barCategoryGap: '8%',
            data: lam.counts.map(function (c, k) {
              return { value: c, itemStyle: { color: (lam.edges[k] + lam.edges[k + 1]) / 2 <= 0 ? COLORS.drawdown : COLORS.equity } };
            }),
          },
        ],
      }),
    );
    publish(el, rendered, 'lambdaBins', lam.counts.length);
    rendered.lambdaTotal = lam.counts.reduce(function (a, b) {
      return a + b;
    }, 0);
  }

  /** CSCV: out-of-sample vs in-sample Sharpe (per bar) of each combination's in-sample best, with the fitted slope. */
  function cscvChart(p, id, rendered) {
    var el = document.getElementById(id + '-cscv');
    if (!el || !p.robustness || !p.robustness.pbo) return;
    var pbo = p.robustness.pbo;
    var chart = init(el);
    report.charts[id + '-cscv'] = chart;
    var xs = pbo.scatter.map(function (q) {
      return q[0];
    });
    var lo = Math.min.apply(null, xs),
      hi = Math.max.apply(null, xs);
    var mx = 0,
      my = 0;
    pbo.scatter.forEach(function (q) {
      mx += q[0];
      my += q[1];
    });
    mx /= Math.max(1, pbo.scatter.length);
    my /= Math.max(1, pbo.scatter.length);
    var series = [{ name: 'combinations', type: 'scatter', symbolSize: 5, data: pbo.scatter, itemStyle: { color: COLORS.inSample, opacity: 0.6 } }];
    if (pbo.slope !== null && pbo.scatter.length > 1)
      series.push({
        name: 'slope ' + pbo.slope.toFixed(3),
        type: 'line',
        symbol: 'none',
        data: [
          [lo, my + pbo.slope * (lo - mx)],
          [hi, my + pbo.slope * (hi - mx)],
        ],
        lineStyle: { color: '#111827', type: 'dashed' },
      });
    chart.setOption(
      assign(base(), {
        title: { text: 'Out-of-sample vs in-sample Sharpe of the in-sample best', left: 'center', textStyle: { fontSize: 13, fontWeight: 500 } },
        grid: { left: 64, right: 20, top: 40, bottom: 48 },
        legend: { bottom: 0 },
        tooltip: {
          trigger: 'item',
          formatter: function (it) {
            return 'in sample ' + it.value[0].toFixed(4) + '<br>out of sample ' + it.value[1].toFixed(4);
          },
        },
        xAxis: assign({ type: 'value', scale: true }, axisName('In-sample Sharpe / bar'), { nameLocation: 'middle', nameGap: 28 }),
        yAxis: assign({ type: 'value', scale: true }, axisName('Out-of-sample')),
        series: series,
      }),
    );
    publish(el, rendered, 'cscvPoints', pbo.scatter.length);
  }

  /** The optimisation history: each trial's objective by trial number (pruned ones grey, at their rung's value) and the running best. */
  function historyChart(p, id, rendered) {
    var el = document.getElementById(id + '-history');
    if (!el || !p.search || !p.search.history) return;
    var hs = p.search.history;
    var metric = p.search.objectives[0].metric;
    var chart = init(el);
    report.charts[id + '-history'] = chart;
    var complete = [],
      pruned = [],
      best = [];
    hs.value.forEach(function (v, i) {
      if (v !== null) (hs.status[i] === 'pruned' ? pruned : complete).push([i + 1, v]);
      if (hs.best[i] !== null) best.push([i + 1, hs.best[i]]);
    });
    chart.setOption(
      assign(base(), {
        title: { text: 'Optimisation history', left: 'center', textStyle: { fontSize: 13, fontWeight: 500 } },
        grid: { left: 64, right: 20, top: 40, bottom: 56 },
        legend: { bottom: 0 },
        tooltip: {
          trigger: 'item',
          formatter: function (it) {
            return it.seriesName + '<br>trial ' + it.value[0] + ': ' + fmt(metric, it.value[1]);
          },
        },
        xAxis: assign({ type: 'value', min: 1, max: 'dataMax' }, axisName('Trial'), { nameLocation: 'middle', nameGap: 28 }),
        yAxis: assign({ type: 'value', scale: true }, axisName(metric)),
        series: [
          { name: 'complete', type: 'scatter', symbolSize: 4, data: complete, itemStyle: { color: COLORS.inSample, opacity: 0.7 } },
          { name: 'pruned (rung value)', type: 'scatter', symbolSize: 3, data: pruned, itemStyle: { color: '#9ca3af', opacity: 0.5 } },
          { name: 'best so far', type: 'line', step: 'end', symbol: 'none', data: best, lineStyle: { color: COLORS.drawdown, width: 2 } },
        ],
      }),
    );
    publish(el, rendered, 'historyTrials', hs.trial.length);
    rendered.historyBest = best.length > 0 ? best[best.length - 1][1] : null;
  }

  /** Several objectives: the Pareto front's trials in the first two objectives. */
  function paretoChart(p, id, rendered) {
    var el = document.getElementById(id + '-pareto');
    if (!el || !p.search || !p.search.pareto) return;
    var s = p.search;
    var chart = init(el);
    report.charts[id + '-pareto'] = chart;
    var data = s.pareto.map(function (q) {
      return [q.values[0], q.values[1], JSON.stringify(q.params)];
    });
    chart.setOption(
      assign(base(), {
        title: { text: 'Pareto front (' + s.pareto.length + ' trials)', left: 'center', textStyle: { fontSize: 13, fontWeight: 500 } },
        grid: { left: 64, right: 20, top: 40, bottom: 48 },
        tooltip: {
          trigger: 'item',
          formatter: function (it) {
            return (
              it.value[2] +
              '<br>' +
              s.objectives[0].metric +
              ' ' +
              fmt(s.objectives[0].metric, it.value[0]) +
              '<br>' +
              s.objectives[1].metric +
              ' ' +
              fmt(s.objectives[1].metric, it.value[1])
            );
          },
        },
        xAxis: assign({ type: 'value', scale: true }, axisName(s.objectives[0].metric + ' (' + s.objectives[0].direction + ')'), {
          nameLocation: 'middle',
          nameGap: 28,
        }),
        yAxis: assign({ type: 'value', scale: true }, axisName(s.objectives[1].metric + ' (' + s.objectives[1].direction + ')')),
        series: [
          { type: 'line', step: 'end', data: data, symbolSize: 6, itemStyle: { color: COLORS.equity }, lineStyle: { color: COLORS.equity, opacity: 0.5 } },
        ],
      }),
    );
    publish(el, rendered, 'paretoPoints', data.length);
  }

  /** cpcv: each reassembled path's stitched equity. */
  function cpcvChart(p, id, rendered) {
    var el = document.getElementById(id + '-cpcv');
    if (!el || !p.cpcv) return;
    var chart = init(el);
    report.charts[id + '-cpcv'] = chart;
    var values = yValues.apply(null, p.cpcv.equity.concat([p.cpcv.buyHold]));
    chart.setOption(
      assign(base(), {
        legend: { bottom: 0 },
        tooltip: {
          trigger: 'axis',
          valueFormatter: function (v) {
            return compact(v);
          },
        },
        xAxis: assign({ type: 'value', max: 'dataMax' }, axisName('Bar'), { nameLocation: 'middle', nameGap: 28 }),
        yAxis: equityAxis('Path equity', false, values),
        series: p.cpcv.equity
          .map(function (e, k) {
            return { name: 'path ' + (k + 1), type: 'line', showSymbol: false, data: e, lineStyle: { width: 1.2 } };
          })
          .concat(p.cpcv.buyHold ? [buyHoldSeries(p.cpcv.buyHold)] : []),
      }),
    );
    publish(el, rendered, 'cpcvPaths', p.cpcv.equity.length);
    logSwitch(id + '-cpcv', chart, rendered, values, function (log) {
      return equityAxis('Path equity', log, values);
    });
  }

  /** Sorting: click a header to sort by that column (numbers by value, blanks last); again to reverse. */
  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        Array.prototype.forEach.call(heads, function (o) {
          o.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var raw = row.cells[col].getAttribute('data-v');
          if (raw === null || raw === '') return null;
          var n = Number(raw);
          return isNaN(n) ? raw : n;
        };
        rows.sort(function (a, b) {
          var x = key(a),
            y = key(b);
          if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
          var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
          return dir === 'ascending' ? c : -c;
        });
        rows.forEach(function (r) {
          body.appendChild(r);
        });
      });
    });
  }

  /**
   * A table wider than its box: the box scrolls sideways (report.css) and gets `overflowing` (the
   * fade at its right edge says there is more); its leading columns (the box's `data-sticky`) stay in view.
   */
  function wideTable(wrap) {
    var table = wrap.querySelector('table');
    var n = Number(wrap.getAttribute('data-sticky') || 0);
    var overflowing = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle('overflowing', overflowing);
    var heads = table.tHead.rows[0].cells;
    var lefts = [],
      left = 0;
    for (var j = 0; j < n && j < heads.length; j++) {
      lefts.push(left);
      left += heads[j].getBoundingClientRect().width;
    }
    Array.prototype.forEach.call(table.rows, function (row) {
      for (var j = 0; j < lefts.length && j < row.cells.length; j++) {
        var cell = row.cells[j];
        cell.classList.toggle('sticky-col', overflowing);
        cell.classList.toggle('sticky-last', overflowing && j === lefts.length - 1);
        cell.style.left = overflowing ? lefts[j] + 'px' : '';
      }
    });
    return overflowing;
  }
  function wideTables() {
    var wide = 0;
    Array.prototype.forEach.call(document.querySelectorAll('.table-wrap'), function (wrap) {
      if (wideTable(wrap)) wide++;
    });
    report.wideTables = wide;
  }

  model.phases.forEach(function (p, i) {
    var id = 'p' + i;
    var rendered = (report.rendered[i] = {});
    if (p.skipped !== null) return;
    var timings = (rendered.ms = {});
    var timed = function (name, draw) {
      var t = performance.now();
      draw(p, id, rendered);
      timings[name] = Math.round(performance.now() - t);
    };
    timed('equity', equityChart);
    if (p.heatmap && p.heatmap.axes.length >= 2) timed('heatmap', heatmapChart);
    timed('histogram', histogramChart);
    timed('timeline', timelineChart);
    timed('isOos', isOosChart);
    timed('oos', oosChart);
    timed('kFoldOos', kFoldOosChart);
    timed('monteCarlo', monteCarloChart);
    timed('lambda', lambdaChart);
    timed('cscv', cscvChart);
    timed('cpcv', cpcvChart);
    timed('history', historyChart);
    timed('pareto', paretoChart);
  });
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), sortable);
  wideTables();
  window.addEventListener('resize', wideTables);
  report.ready = true;
})();
