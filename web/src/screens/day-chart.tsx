// The last 24 hours by the hour, from the reports API: leads sold (bars) and revenue (line), drawn with uPlot.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { get } from "../api.ts";
import { useData } from "../use-data.ts";
import { Problem } from "./common.tsx";

const HOUR_MS = 3_600_000;
const REFRESH_MS = 60_000;

interface HourGroup {
  hour: string;
  sold: number;
  revenue: number;
}

export function DayChart() {
  const { data, error, reload } = useData("day", async () => {
    const to = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS;
    const from = to - 24 * HOUR_MS;
    const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const report = await get<{ groups: HourGroup[] }>(`/v1/admin/reports?${range}&group_by=hour`);
    return { from, to, groups: report.groups };
  });
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || !data) return;
    // Every hour of the range, those without traffic (absent from the report) at zero.
    const byHour = new Map(data.groups.map((group) => [Date.parse(group.hour), group]));
    const hours: number[] = [];
    for (let hour = data.from; hour < data.to; hour += HOUR_MS) hours.push(hour);
    const chart = new uPlot(
      {
        width: box.current.clientWidth,
        height: 220,
        scales: { x: { time: true, range: [data.from / 1000 - 1800, data.to / 1000 - 1800] } },
        series: [
          {},
          {
            label: "sold",
            stroke: "#2451b7",
            fill: "rgba(36, 81, 183, 0.25)",
            paths: uPlot.paths.bars?.({ size: [0.7, 40] }),
            scale: "leads",
          },
          { label: "revenue $", stroke: "#2fa35a", width: 2, scale: "$" },
        ],
        axes: [{}, { scale: "leads", label: "sold" }, { scale: "$", side: 1, label: "revenue $" }],
      },
      [
        hours.map((hour) => hour / 1000),
        hours.map((hour) => byHour.get(hour)?.sold ?? 0),
        hours.map((hour) => byHour.get(hour)?.revenue ?? 0),
      ],
      box.current,
    );
    return () => chart.destroy();
  }, [data]);
  return (
    <>
      <Problem error={error} />
      <div ref={box} className="chart" data-testid="day-chart" />
    </>
  );
}
