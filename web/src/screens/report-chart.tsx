// The reports screen's chart: revenue and margin per hour (a range of a day or two) or per local day, as grouped bars
// in plain SVG. Small enough to own: a y axis of round dollar steps, one label every few periods, a tooltip (<title>)
// and an accessible name per bar, and a table-free summary for screen readers in the figure's caption.
import { money } from "../api.ts";

export interface ChartPeriod {
  /** What the x axis shows (a day, or an hour). */
  label: string;
  /** The full name of the period, for tooltips. */
  title: string;
  revenue: number;
  margin: number;
}

const SERIES = [
  { key: "revenue", label: "revenue", color: "#2451b7" },
  { key: "margin", label: "margin", color: "#17612f" },
] as const;

const HEIGHT = 200;
const PAD = { top: 10, left: 64, bottom: 6 };

/** A round step for about four ticks over [0, max]: 1, 2 or 5 times a power of ten. */
export function niceStep(max: number): number {
  if (max <= 0) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough);
  return step ?? 10 * power;
}

export function ReportChart({ periods, caption }: { periods: readonly ChartPeriod[]; caption: string }) {
  // One unit per period; the drawing scales to the box's width (viewBox), the text keeps its size (it is outside
  // the scaled part: labels are positioned in percent of the plot).
  const values = periods.flatMap((period) => [period.revenue, period.margin]);
  const top = Math.max(0, ...values);
  const bottom = Math.min(0, ...values);
  const step = niceStep(Math.max(top, -bottom));
  const yMax = Math.max(step, Math.ceil(top / step) * step);
  const yMin = bottom < 0 ? Math.floor(bottom / step) * step : 0;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const y = (value: number) => PAD.top + ((yMax - value) / (yMax - yMin)) * plotHeight;
  const ticks: number[] = [];
  for (let tick = yMin; tick <= yMax + step / 2; tick += step) ticks.push(tick);
  const width = 100;
  const band = width / Math.max(1, periods.length);
  const bar = (band * 0.8) / SERIES.length;
  const labelEvery = Math.max(1, Math.ceil(periods.length / 8));
  const total = (key: "revenue" | "margin") =>
    Math.round(periods.reduce((sum, period) => sum + period[key], 0) * 100) / 100;
  return (
    <figure className="report-chart" data-testid="report-chart">
      <figcaption>
        {caption}: revenue {money(total("revenue"))}, margin {money(total("margin"))}
        <span className="legend" aria-hidden="true">
          {SERIES.map((series) => (
            <span key={series.key}>
              <span className="swatch" style={{ background: series.color }} /> {series.label}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="report-chart-body">
        <svg className="report-chart-axis" height={HEIGHT} width={PAD.left} aria-hidden="true">
          {ticks.map((tick) => (
            <text key={tick} x={PAD.left - 6} y={y(tick)} textAnchor="end" dominantBaseline="middle">
              {money(tick).replace(/\.00$/, "")}
            </text>
          ))}
        </svg>
        <div className="report-chart-plot">
          <svg
            viewBox={`0 0 ${width} ${HEIGHT}`}
            preserveAspectRatio="none"
            height={HEIGHT}
            width="100%"
            role="img"
            aria-label={`${caption}: revenue and margin per period`}
          >
            {ticks.map((tick) => (
              <line
                key={tick}
                x1={0}
                x2={width}
                y1={y(tick)}
                y2={y(tick)}
                className={tick === 0 ? "zero" : "grid"}
                vectorEffect="non-scaling-stroke"
              />
            ))}
            {periods.map((period, index) =>
              SERIES.map((series, s) => {
                const value = period[series.key];
                const x = index * band + band * 0.1 + s * bar;
                return (
                  <rect
                    key={`${period.title}-${series.key}`}
                    data-testid={`bar-${series.key}`}
                    x={x}
                    width={bar}
                    y={Math.min(y(value), y(0))}
                    height={Math.abs(y(value) - y(0))}
                    fill={series.color}
                  >
                    <title>{`${period.title}: ${series.label} ${money(value)}`}</title>
                  </rect>
                );
              }),
            )}
          </svg>
          <div className="report-chart-labels" aria-hidden="true">
            {periods.map((period, index) =>
              index % labelEvery === 0 ? (
                <span key={period.title} style={{ left: `${(index + 0.5) * (100 / periods.length)}%` }}>
                  {period.label}
                </span>
              ) : null,
            )}
          </div>
        </div>
      </div>
    </figure>
  );
}
