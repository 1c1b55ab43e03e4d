// Compares two V8 heap snapshots of the same process (as `npm run bench:memory -- --snapshots <dir>` writes them):
// what grew between them, by constructor, and what named objects keep alive.
//
//   node --max-old-space-size=4096 bench/heap-compare.ts <earlier.heapsnapshot> <later.heapsnapshot>
//        [--leads <n>] [--retainers MemoryDuplicateWindows,MemoryCapLedger] [--top 15]
//
// Two tables:
// - self size and count by node type and constructor (what DevTools' Comparison view shows), largest growth first;
//   with `--leads` (the leads answered between the snapshots), the growth per lead;
// - the retained size of every instance of each `--retainers` class: what would be freed if it were gone, computed as
//   the heap reachable from the roots minus the heap still reachable when that one object is cut out (weak edges are
//   not followed). Exact, and two graph walks per instance: meant for a handful of long-lived objects.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const DEFAULT_RETAINERS = [
  "MemoryDuplicateWindows",
  "MemoryCapLedger",
  "MemoryThrottle",
  "MemoryFailureStreaks",
  "LiveStats",
];

interface Snapshot {
  nodeCount: number;
  /** Per node: its type's name, its name (constructor for objects), self size, first edge index. */
  type: string[];
  name: string[];
  selfSize: Float64Array;
  firstEdge: Uint32Array;
  edgeCount: Uint32Array;
  /** Per edge: the node it points to, and whether it is weak (not followed for retention). */
  edgeTo: Uint32Array;
  edgeWeak: Uint8Array;
}

function readSnapshot(path: string): Snapshot {
  const raw = JSON.parse(readFileSync(path, "utf8")) as {
    snapshot: {
      meta: {
        node_fields: string[];
        node_types: [string[], ...unknown[]];
        edge_fields: string[];
        edge_types: [string[], ...unknown[]];
      };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const meta = raw.snapshot.meta;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const at = (fields: string[], name: string) => {
    const index = fields.indexOf(name);
    if (index < 0) throw new Error(`${path}: no ${name} field in the snapshot`);
    return index;
  };
  const typeField = at(meta.node_fields, "type");
  const nameField = at(meta.node_fields, "name");
  const sizeField = at(meta.node_fields, "self_size");
  const edgeCountField = at(meta.node_fields, "edge_count");
  const edgeTypeField = at(meta.edge_fields, "type");
  const toField = at(meta.edge_fields, "to_node");
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const weak = edgeTypes.indexOf("weak");
  const nodeCount = raw.nodes.length / nodeFields;
  const snapshot: Snapshot = {
    nodeCount,
    type: new Array(nodeCount),
    name: new Array(nodeCount),
    selfSize: new Float64Array(nodeCount),
    firstEdge: new Uint32Array(nodeCount),
    edgeCount: new Uint32Array(nodeCount),
    edgeTo: new Uint32Array(raw.edges.length / edgeFields),
    edgeWeak: new Uint8Array(raw.edges.length / edgeFields),
  };
  let edge = 0;
  for (let node = 0; node < nodeCount; node++) {
    const base = node * nodeFields;
    const type = nodeTypes[raw.nodes[base + typeField]!]!;
    snapshot.type[node] = type;
    // A string's "name" is its text: group strings by kind only (and never print a lead's data).
    snapshot.name[node] = type.includes("string") ? "" : raw.strings[raw.nodes[base + nameField]!]!;
    snapshot.selfSize[node] = raw.nodes[base + sizeField]!;
    snapshot.firstEdge[node] = edge;
    snapshot.edgeCount[node] = raw.nodes[base + edgeCountField]!;
    edge += snapshot.edgeCount[node]!;
  }
  for (let i = 0; i < snapshot.edgeTo.length; i++) {
    snapshot.edgeTo[i] = raw.edges[i * edgeFields + toField]! / nodeFields;
    snapshot.edgeWeak[i] = raw.edges[i * edgeFields + edgeTypeField] === weak ? 1 : 0;
  }
  return snapshot;
}

/** Bytes reachable from the root (node 0) without passing through `cut`. */
function reachableBytes(snapshot: Snapshot, cut: number): number {
  const seen = new Uint8Array(snapshot.nodeCount);
  const stack = new Uint32Array(snapshot.nodeCount);
  let top = 0;
  let bytes = 0;
  stack[top++] = 0;
  seen[0] = 1;
  if (cut >= 0) seen[cut] = 1;
  while (top > 0) {
    const node = stack[--top]!;
    bytes += snapshot.selfSize[node]!;
    const end = snapshot.firstEdge[node]! + snapshot.edgeCount[node]!;
    for (let edge = snapshot.firstEdge[node]!; edge < end; edge++) {
      if (snapshot.edgeWeak[edge]) continue;
      const to = snapshot.edgeTo[edge]!;
      if (!seen[to]) {
        seen[to] = 1;
        stack[top++] = to;
      }
    }
  }
  return bytes;
}

function bySelfSize(snapshot: Snapshot): Map<string, { bytes: number; count: number }> {
  const groups = new Map<string, { bytes: number; count: number }>();
  for (let node = 0; node < snapshot.nodeCount; node++) {
    const key = `${snapshot.type[node]} ${snapshot.name[node]}`.trim();
    const group = groups.get(key) ?? { bytes: 0, count: 0 };
    group.bytes += snapshot.selfSize[node]!;
    group.count++;
    groups.set(key, group);
  }
  return groups;
}

function retainedBy(snapshot: Snapshot, classes: string[]): Map<string, number> {
  const all = reachableBytes(snapshot, -1);
  const retained = new Map<string, number>();
  for (let node = 0; node < snapshot.nodeCount; node++) {
    if (snapshot.type[node] !== "object" || !classes.includes(snapshot.name[node]!)) continue;
    const name = snapshot.name[node]!;
    retained.set(name, (retained.get(name) ?? 0) + all - reachableBytes(snapshot, node));
  }
  return retained;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      leads: { type: "string" },
      retainers: { type: "string" },
      top: { type: "string", default: "15" },
    },
  });
  if (positionals.length !== 2) {
    throw new Error(
      "usage: node bench/heap-compare.ts <earlier.heapsnapshot> <later.heapsnapshot> [--leads <n>] " +
        "[--retainers A,B] [--top 15]",
    );
  }
  const leads = values.leads === undefined ? undefined : Number(values.leads);
  const classes = values.retainers?.split(",") ?? DEFAULT_RETAINERS;
  const [before, after] = positionals.map(readSnapshot) as [Snapshot, Snapshot];
  const total = (snapshot: Snapshot) => snapshot.selfSize.reduce((sum, size) => sum + size, 0);
  const reachable = [reachableBytes(before, -1), reachableBytes(after, -1)];
  console.log(
    `heap: ${mb(total(before))} → ${mb(total(after))} in the snapshot, ${mb(reachable[0]!)} → ${mb(reachable[1]!)} ` +
      `reachable without weak edges (${before.nodeCount} → ${after.nodeCount} nodes)`,
  );
  const perLead = (bytes: number) =>
    leads === undefined || !(leads > 0) ? "" : `${(bytes / leads).toFixed(1).padStart(8)} B/lead`;
  const groupsBefore = bySelfSize(before);
  const groupsAfter = bySelfSize(after);
  const deltas = [...new Set([...groupsBefore.keys(), ...groupsAfter.keys()])].map((key) => {
    const a = groupsBefore.get(key) ?? { bytes: 0, count: 0 };
    const b = groupsAfter.get(key) ?? { bytes: 0, count: 0 };
    return { key, bytes: b.bytes - a.bytes, count: b.count - a.count };
  });
  deltas.sort((x, y) => y.bytes - x.bytes);
  console.log("\ngrowth of self size by type and constructor (largest first):");
  for (const { key, bytes, count } of deltas.slice(0, Number(values.top))) {
    console.log(
      `  ${mb(bytes).padStart(11)}  ${String(count).padStart(9)} objects  ${perLead(bytes)}  ${key.slice(0, 60)}`,
    );
  }
  const retainedBefore = retainedBy(before, classes);
  const retainedAfter = retainedBy(after, classes);
  console.log("\nretained size (freed if the object were gone):");
  for (const name of classes) {
    const a = retainedBefore.get(name);
    const b = retainedAfter.get(name);
    if (a === undefined && b === undefined) continue;
    const growth = (b ?? 0) - (a ?? 0);
    console.log(
      `  ${name.padEnd(24)} ${mb(a ?? 0).padStart(11)} → ${mb(b ?? 0).padStart(11)}  (${growth >= 0 ? "+" : ""}${mb(growth)}) ${perLead(growth)}`,
    );
  }
  const grown = reachable[1]! - reachable[0]!;
  console.log(
    `  ${"(whole heap)".padEnd(24)} ${"".padStart(11)}   ${"".padStart(11)}  (${grown >= 0 ? "+" : ""}${mb(grown)}) ${perLead(grown)}`,
  );
}

main();
