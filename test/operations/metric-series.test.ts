// Bound metric series (src/metrics.ts) update prom-client's entries directly: the exposition must be what prom-client's
// own updates give, number for number, through resets and removals, and a value prom-client refuses is still refused.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { counterSeries, histogramSeries } from "../../src/metrics.ts";

const BUCKETS = [0.0001, 0.00025, 0.001, 0.01, 0.1, 1];
const BUYERS = ["b1", "b2", "b3"];
const PHASES = ["ping", "post"];

function pair<T>(make: (registry: Registry) => T): { bound: T; plain: T; registries: [Registry, Registry] } {
  const registries: [Registry, Registry] = [new Registry(), new Registry()];
  return { bound: make(registries[0]), plain: make(registries[1]), registries };
}

/** Values on, between, below and above the buckets' bounds, and sums whose float rounding depends on their order. */
function values(count: number): number[] {
  let seed = 7;
  const next = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const list = [0, ...BUCKETS, 2, 0.1 + 0.2, -1, 1e-9];
  for (let i = 0; i < count; i++) list.push(next() ** 4 * 1.5);
  return list;
}

describe("metric series bound to their labels", () => {
  test("a histogram's exposition is prom-client's own, through a reset and a removal", async () => {
    const { bound, plain, registries } = pair(
      (registry) =>
        new Histogram({
          name: "latency_seconds",
          help: "h",
          labelNames: ["buyer", "phase"],
          buckets: BUCKETS,
          registers: [registry],
        }),
    );
    const series = histogramSeries(bound, ["buyer", "phase"]);
    const run = (list: number[]) => {
      list.forEach((value, index) => {
        const buyer = BUYERS[index % BUYERS.length]!;
        const phase = PHASES[index % PHASES.length]!;
        series.of(buyer, phase).observe(value);
        plain.observe({ buyer, phase }, value);
      });
    };
    run(values(500));
    const first = await registries[1].metrics();
    assert.match(first, /latency_seconds_bucket\{le="0.001",buyer="b2",phase="post"\} \d+/);
    assert.equal(await registries[0].metrics(), first);
    bound.reset();
    plain.reset();
    run(values(50).reverse());
    assert.equal(await registries[0].metrics(), await registries[1].metrics());
    bound.remove({ buyer: "b1", phase: "ping" });
    plain.remove({ buyer: "b1", phase: "ping" });
    run(values(20));
    assert.equal(await registries[0].metrics(), await registries[1].metrics());
    assert.throws(() => series.of("b1", "ping").observe(Number.NaN), TypeError);
    assert.throws(() => plain.observe({ buyer: "b1", phase: "ping" }, Number.NaN), TypeError);
    assert.equal(await registries[0].metrics(), await registries[1].metrics());
  });

  test("a counter's exposition is prom-client's own, through a reset", async () => {
    const { bound, plain, registries } = pair(
      (registry) =>
        new Counter({
          name: "requests_total",
          help: "c",
          labelNames: ["buyer", "phase", "outcome"],
          registers: [registry],
        }),
    );
    const series = counterSeries(bound, ["buyer", "phase", "outcome"]);
    const run = (count: number) => {
      for (let i = 0; i < count; i++) {
        const labels = {
          buyer: BUYERS[i % 3]!,
          phase: PHASES[i % 2]!,
          outcome: i % 5 === 0 ? "timeout" : "bid",
        };
        series.of(labels.buyer, labels.phase, labels.outcome).inc();
        plain.inc(labels);
      }
    };
    run(100);
    const first = await registries[1].metrics();
    assert.match(first, /requests_total\{buyer="b1",phase="ping",outcome="timeout"\} \d+/);
    assert.equal(await registries[0].metrics(), first);
    bound.reset();
    plain.reset();
    run(7);
    assert.equal(await registries[0].metrics(), await registries[1].metrics());
  });

  test("a series is bound once, found again by its label values, and updated without prom-client's method", () => {
    const counter = new Counter({ name: "c_total", help: "c", labelNames: ["a"], registers: [] });
    const histogram = new Histogram({
      name: "h",
      help: "h",
      labelNames: ["a"],
      buckets: BUCKETS,
      registers: [],
    });
    const calls = { inc: 0, observe: 0 };
    const inc = counter.inc.bind(counter) as (labels: { a: string }) => void;
    counter.inc = ((labels: { a: string }) => {
      calls.inc++;
      inc(labels);
    }) as typeof counter.inc;
    const observe = histogram.observe.bind(histogram) as (labels: { a: string }, value: number) => void;
    histogram.observe = ((labels: { a: string }, value: number) => {
      calls.observe++;
      observe(labels, value);
    }) as typeof histogram.observe;
    const counters = counterSeries(counter, ["a"]);
    const histograms = histogramSeries(histogram, ["a"]);
    assert.equal(counters.of("x"), counters.of("x"));
    assert.notEqual(counters.of("x"), counters.of("y"));
    for (let i = 0; i < 5; i++) {
      counters.of("x").inc();
      histograms.of("x").observe(0.5);
    }
    // The first update makes prom-client's entry; the rest go to it directly.
    assert.deepEqual(calls, { inc: 1, observe: 1 });
  });
});
