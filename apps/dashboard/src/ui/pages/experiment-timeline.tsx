// The timeline of an experiment's records: one row per record, a bar from each successful Apply
// to the following Recover (to now while still injected), failed attempts as marks, a time axis.
import type { Record } from "@faultline/api";
import { formatDuration, tickLabel, timeTicks, timelineOf } from "./experiment-records.js";

const labelWidth = 230;
const chartWidth = 720;
const rightPad = 44;
const rowHeight = 22;
const axisHeight = 26;
const maxRows = 200;

const iso = (t: number) => new Date(t).toISOString().replace(".000Z", "Z");
const shorten = (id: string, max = 34) => (id.length > max ? `…${id.slice(id.length - max + 1)}` : id);

export function ExperimentTimeline(props: { records: readonly Record[]; now: number; since?: number }) {
  const all = timelineOf(props.records, props.now, props.since);
  const rows = all.rows.slice(0, maxRows);
  const span = all.end - all.start;
  const x = (t: number) => labelWidth + ((t - all.start) / span) * chartWidth;
  const height = axisHeight + rows.length * rowHeight + 8;
  const width = labelWidth + chartWidth + rightPad;
  const ticks = timeTicks(all.start, all.end);
  const bars = rows.reduce((n, r) => n + r.intervals.length, 0);
  const failures = rows.reduce((n, r) => n + r.failures.length, 0);
  const open = rows.filter((r) => r.intervals.some((i) => i.open)).length;
  return (
    <figure className="timeline-figure">
      <div className="timeline-scroll">
        <svg
          className="timeline"
          data-testid="timeline"
          role="img"
          aria-labelledby="timeline-caption"
          width={width}
          height={height}
          viewBox={`0 0 ${width} ${height}`}
        >
          <g className="axis">
            {ticks.map((t) => (
              <g key={t}>
                <line x1={x(t)} x2={x(t)} y1={axisHeight - 6} y2={height - 4} />
                <text x={x(t)} y={axisHeight - 10} textAnchor="middle">
                  {tickLabel(t, all.start, all.end)}
                </text>
              </g>
            ))}
          </g>
          {rows.map((row, i) => {
            const y = axisHeight + i * rowHeight;
            return (
              <g key={row.id} data-record={row.id}>
                <text x={4} y={y + rowHeight / 2 + 4}>
                  <title>{row.id}</title>
                  {shorten(row.id)}
                </text>
                {row.intervals.map((interval) => (
                  <rect
                    key={interval.start}
                    data-testid="timeline-bar"
                    className={interval.open ? "bar open" : "bar"}
                    x={x(interval.start)}
                    y={y + 4}
                    width={Math.max(2, x(interval.end) - x(interval.start))}
                    height={rowHeight - 8}
                    rx={2}
                  >
                    <title>
                      {`${row.id}: injected from ${iso(interval.start)} ${interval.open ? "until now (still injected)" : `to ${iso(interval.end)}`}, ${formatDuration(interval.end - interval.start)}`}
                    </title>
                  </rect>
                ))}
                {row.failures.map((f) => {
                  const cx = x(f.at);
                  const cy = y + rowHeight / 2;
                  return (
                    <path key={`${f.at}-${f.operation}`} data-testid="timeline-failure" className="fail" d={`M ${cx} ${cy - 6} L ${cx + 5} ${cy} L ${cx} ${cy + 6} L ${cx - 5} ${cy} Z`}>
                      <title>{`${row.id}: ${f.operation} failed at ${iso(f.at)}${f.message ? `: ${f.message}` : ""}`}</title>
                    </path>
                  );
                })}
              </g>
            );
          })}
          <line className="now" x1={x(props.now)} x2={x(props.now)} y1={axisHeight - 6} y2={height - 4}>
            <title>now</title>
          </line>
        </svg>
      </div>
      <figcaption id="timeline-caption">
        Injected intervals of {rows.length} record{rows.length === 1 ? "" : "s"}
        {all.rows.length > rows.length ? ` (the first ${rows.length} of ${all.rows.length})` : ""}, {iso(all.start)} to now (UTC): {bars} bar{bars === 1 ? "" : "s"} from a successful Apply to the
        following Recover, {open} still injected (bars reaching the dashed line, now), {failures} failed attempt{failures === 1 ? "" : "s"} (red diamonds).
      </figcaption>
      <p className="legend" aria-hidden="true">
        <span>
          <span className="swatch" style={{ background: "#5b6b7c" }} />
          injected, recovered since
        </span>
        <span>
          <span className="swatch" style={{ background: "#1a7f37" }} />
          still injected
        </span>
        <span>
          <span className="swatch" style={{ background: "#b01c24" }} />
          failed attempt
        </span>
      </p>
    </figure>
  );
}
