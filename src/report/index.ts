/** Reports: tables (Markdown / JSON / HTML), SVG plots and report.html for run and experiment folders. */
export { escapeXml } from './escape.ts';
export { lineChart, type LineChartOptions, type LineSeries } from './svg/line-chart.ts';
export { heatmap, type HeatmapOptions } from './svg/heatmap.ts';
export { barChart, type BarChartOptions, type BarSeries } from './svg/bar-chart.ts';
export { smallMultiples, type SmallMultiplesOptions } from './svg/small-multiples.ts';
export { SERIES_COLOURS, divergingColour, seriesColour, seriesDash } from './svg/palette.ts';
export { niceTicks, linearScale, logScale, formatTick, formatExp, type Scale, type Tick } from './svg/scale.ts';
export { average, splitRelativeImprovement, neGain, throughputDrop, meanStd, metricOf, taskMetrics, type MeanStd, type MetricName } from './metrics.ts';
export { markBest, toMarkdown, toJson, toHtml, numberCell, textCell, formatValue, type Table, type TableRow, type Column, type Cell, type Mark } from './table.ts';
export { table2, table3, sweepTable, tasksTable, multibalanceTables, experimentTables, groupRows, type Table2Options, type RowGroup } from './tables.ts';
export { renderHtml, inlineSvg, type HtmlPage, type HtmlSection } from './html.ts';
export { detectFolder, readExperiment, readRun, readJsonl, ReportError, type FolderKind, type RunData } from './io.ts';
export { runPlots, experimentPlots, type Plot } from './plots.ts';
export { renderRun, renderExperiment, renderReport, runMetricsTable, type RenderOptions, type RenderResult } from './render.ts';
export { reportExperiment, type ExperimentReportOptions, type ExperimentResult } from './experiment-report.ts';
export type * from './types.ts';
