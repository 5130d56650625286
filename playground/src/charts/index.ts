/**
 * The chart layer of the playground (and, through its bundle, of report.html): live line charts
 * and step heat maps on uPlot, in the report's colours.
 */
export { LineChart, type LineChartSpec } from './line.ts';
export { StepHeatmap, type HeatmapSpec } from './heatmap.ts';
export { BarChart, type BarsOptions } from './bars.ts';
export { SERIES_COLOURS, seriesColour, seriesDash, divergingColour } from './palette.ts';
export { addChartStyles } from './style.ts';
export { drawChart } from './spec.ts';
