import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { barChart, heatmap, lineChart, linearScale, logScale, niceTicks, smallMultiples, divergingColour } from '../../src/report/index.ts';
import { formatTick, stepDecimals, thinTicks, textWidth } from '../../src/report/svg/scale.ts';
import { texts, xmlProblem } from './xml.ts';

const nasty = 'a<b>&"c\'';
const nastyEscaped = 'a&lt;b&gt;&amp;&quot;c&#39;';

describe('lineChart', () => {
  const svg = lineChart({
    title: `Loss ${nasty}`,
    xLabel: 'epoch',
    yLabel: 'BCE loss (nats per sample)',
    series: [
      { name: 'EV', points: [[1, 0.5], [2, 0.4], [3, null], [4, 0.3]] },
      { name: nasty, points: [[1, 0.6], [2, 0.55], [3, 0.5], [4, 0.45]] },
    ],
  });

  it('is well-formed XML with the svg namespace as its only URL', () => {
    expect(xmlProblem(svg)).toBeNull();
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/https?:\/\//g)).toHaveLength(1);
    expect(svg).not.toContain('NaN');
  });

  it('has a title, axis labels with units and a legend entry per series, all escaped', () => {
    const t = texts(svg);
    expect(svg).toContain(`<title>Loss ${nastyEscaped}</title>`);
    expect(t).toContain(`Loss ${nastyEscaped}`);
    expect(t).toContain('epoch');
    expect(t).toContain('BCE loss (nats per sample)');
    expect(t).toContain('EV');
    expect(t).toContain(nastyEscaped);
    expect(svg).not.toContain(nasty);
  });

  it('leaves a gap at a null point', () => {
    const path = /<path d="([^"]*)" fill="none" stroke="#0072B2"/.exec(svg)![1]!;
    expect(path.match(/M/g)).toHaveLength(2);
  });
});

describe('log x axis with 0 (epsilon sweep)', () => {
  const eps = [0, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7];
  const svg = lineChart({ title: 'RI-G vs epsilon', xLabel: 'epsilon (log scale)', yLabel: 'RI-G (%)', xLog: true, series: [{ name: 'GradCraft', points: eps.map((e, i) => [e, 0.1 * i]) }] });

  it('labels 0 and every decade, draws a break mark, and has no NaN coordinates', () => {
    expect(xmlProblem(svg)).toBeNull();
    const t = texts(svg);
    for (const label of ['0', '1e-12', '1e-11', '1e-10', '1e-9', '1e-8', '1e-7']) expect(t).toContain(label);
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ M[\d.]+ [\d.]+ L[\d.]+ [\d.]+" stroke="#333" fill="none"\/>/);
    expect(svg).not.toContain('NaN');
    // Seven markers: the zero point is drawn too.
    expect(svg.match(/<circle /g)).toHaveLength(7);
  });

  it('puts 0 left of the first decade and keeps decades equally spaced', () => {
    const s = logScale(1e-12, 1e-7, 100, 600, true);
    expect(s.map(0)).toBe(100);
    expect(s.map(1e-12)).toBeGreaterThan(s.breakAt!);
    expect(s.breakAt!).toBeGreaterThan(100);
    const d1 = s.map(1e-11) - s.map(1e-12);
    const d2 = s.map(1e-8) - s.map(1e-9);
    expect(d1).toBeCloseTo(d2, 6);
    expect(s.map(-1)).toBeNaN();
  });

  it('without a zero there is no break', () => {
    expect(logScale(1e-3, 10, 0, 100, false).breakAt).toBeUndefined();
  });
});

describe('ticks', () => {
  it('nice ticks cover the data with a 1-2-2.5-5 step', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (a, span) => {
        const t = niceTicks(a, a + span, 5);
        const tol = 1e-9 * (Math.abs(a) + span);
        expect(t.min).toBeLessThanOrEqual(a + tol);
        expect(t.max).toBeGreaterThanOrEqual(a + span - tol);
        const step = t.values[1]! - t.values[0]!;
        const f = step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
        expect([1, 2, 2.5, 5, 10].some((x) => Math.abs(f - x) < 1e-2)).toBe(true);
        expect(t.values.length).toBeLessThanOrEqual(16);
      }),
    );
  });

  it('tick labels have no float noise', () => {
    const s = linearScale(0, 0.3, 0, 100);
    expect(s.ticks.map((t) => t.label)).toEqual(['0', '0.1', '0.2', '0.3']);
  });

  it('tick labels carry as many decimals as a 2.5 / 0.25 step needs (auc_change.svg)', () => {
    const a = linearScale(-10, 0, 300, 0, 4).ticks.map((t) => t.label);
    expect(a).toEqual(['-10.0', '-7.5', '-5.0', '-2.5', '0']);
    const b = linearScale(-0.8, 0.3, 300, 0, 5).ticks.map((t) => t.label);
    expect(b).toEqual(['-1.00', '-0.75', '-0.50', '-0.25', '0', '0.25', '0.50']);
    expect([formatTick(-7.5, 2.5), formatTick(-2.5, 2.5), formatTick(-0.75, 0.25), formatTick(-0.25, 0.25), formatTick(0.25, 0.25)])
      .toEqual(['-7.5', '-2.5', '-0.75', '-0.25', '0.25']);
    expect(stepDecimals(5)).toBe(0);
    expect(stepDecimals(0.05)).toBe(2);
  });

  it('every tick label reads back as its tick value (any range)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: 1e-3, max: 1e4, noNaN: true }), fc.integer({ min: 2, max: 12 }), (a, span, count) => {
        const s = linearScale(a, a + span, 0, 100, count);
        for (const t of s.ticks) {
          if (/e/.test(t.label)) continue;
          expect(Math.abs(Number(t.label) - t.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(t.value)));
        }
      }),
    );
  });

  it('thinned x tick labels never overlap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 80, max: 900 }), (n, w) => {
        const s = linearScale(0, n * 1000, 0, w, 12);
        const kept = thinTicks(s.ticks, 12);
        for (let i = 1; i < kept.length; i++) {
          const gap = kept[i]!.pos - kept[i - 1]!.pos;
          expect(gap).toBeGreaterThanOrEqual((textWidth(kept[i]!.label, 12) + textWidth(kept[i - 1]!.label, 12)) / 2);
        }
      }),
    );
  });
});

describe('heatmap', () => {
  const svg = heatmap({ title: 'Cosine', matrix: [[1, -0.5, null], [-0.5, 1, 0.25], [null, 0.25, 1]], labels: ['EV', 'Like', nasty] });
  it('prints cell values, labels, a colour bar and escapes names', () => {
    expect(xmlProblem(svg)).toBeNull();
    const t = texts(svg);
    expect(t.filter((x) => x === '-0.50')).toHaveLength(2);
    expect(t).toContain('n/a');
    expect(t).toContain(nastyEscaped);
    for (const v of ['1', '0.5', '0', '-0.5', '-1']) expect(t).toContain(v);
    expect(t).toContain('cosine similarity (-1..1)');
  });
  it('diverging scale: blue at -1, near white at 0, red at +1, clamped', () => {
    expect(divergingColour(-1)).toBe('#2166ac');
    expect(divergingColour(0)).toBe('#f7f7f7');
    expect(divergingColour(1)).toBe('#b2182b');
    expect(divergingColour(7)).toBe('#b2182b');
  });
});

describe('barChart and smallMultiples', () => {
  const bars = barChart({
    title: 'NE gain over EW',
    xLabel: 'method',
    yLabel: 'NE gain over EW (%)',
    categories: ['Uncertainty', 'PCGrad', 'MultiBalance'],
    series: [
      { name: 'CTR', values: [0.1, -0.2, 0.05] },
      { name: 'CVR', values: [null, 0.3, 0.09] },
    ],
  });
  it('draws one bar per finite value, a zero line, labels and a legend', () => {
    expect(xmlProblem(bars)).toBeNull();
    expect(bars.match(/<rect [^>]*fill="#(0072B2|E69F00)"><title>/g)).toHaveLength(5);
    const t = texts(bars);
    for (const s of ['NE gain over EW', 'method', 'NE gain over EW (%)', 'Uncertainty', 'PCGrad', 'MultiBalance', 'CTR', 'CVR']) expect(t).toContain(s);
  });
  it('nests panels into one well-formed document with one namespace', () => {
    const sm = smallMultiples([bars, bars, bars], { title: 'Panels', columns: 2 });
    expect(xmlProblem(sm)).toBeNull();
    expect(sm.match(/xmlns=/g)).toHaveLength(1);
    expect(sm.match(/<svg /g)).toHaveLength(4);
  });
});
