import { type Cell, formatTable, ratio } from "./lib/Table.ts"
import { type BenchReport, FLOOR_PATH, referenceNotes, type ScenarioResult, type Side, type Target } from "./Model.ts"

/** The per-scenario table: wall time, round trips, upstream calls per surface, and ours ÷ baseline. */
export const scenarioTable = (s: ScenarioResult): string => {
  const concurrent = s.ours?.throughputPerS !== undefined || s.baseline?.throughputPerS !== undefined
  const header = ["side", "wall ms", "round trips", "upstream busy ms", "ms/call", "identity", "graph", "exchange", "calls", "sandbox ops", "429s", ...(concurrent ? ["DL/s", "p50 ms", "p99 ms"] : []), "answer", "end state", "note"]
  const row = (name: string, x: Side | undefined): Array<Cell> =>
    x === undefined
      ? [name, null, null, null, null, null, null, null, null, null, null, ...(concurrent ? [null, null, null] : []), "not run", null, null]
      : [name, x.wallMs, x.roundTrips, x.upstreamBusyMs, x.upstreamMeanMs, x.calls.identity, x.calls.graph, x.calls.exchange, x.calls.total, x.calls.sandboxOps, x.throttled,
        ...(concurrent ? [x.throughputPerS, x.p50Ms, x.p99Ms] : []), x.outcome, x.state, x.extrapolated]
  const o = s.ours
  const b = s.baseline
  const ratios: Array<Cell> = ["ours ÷ baseline", ratio(o?.wallMs, b?.wallMs), ratio(o?.roundTrips, b?.roundTrips), null, null, null, ratio(o?.calls.graph, b?.calls.graph), ratio(o?.calls.exchange, b?.calls.exchange), ratio(o?.calls.total, b?.calls.total), ratio(o?.calls.sandboxOps, b?.calls.sandboxOps), null,
    ...(concurrent ? [ratio(o?.throughputPerS, b?.throughputPerS), ratio(o?.p50Ms, b?.p50Ms), ratio(o?.p99Ms, b?.p99Ms)] : []), null, null, null]
  const rows = [row("ours", o), row("baseline", b), ...(o !== undefined && b !== undefined ? [ratios] : [])]
  return `### ${s.title}\n${formatTable(header, rows)}${s.error ? `\n  ERROR: ${s.error}` : ""}${s.notes.map((n) => `\n  note: ${n}`).join("")}`
}

export const summaryTable = (report: BenchReport): string =>
  formatTable(
    ["scenario", "ours ms", "ours RT", "ours calls", "baseline ms", "baseline RT", "baseline calls", "time ours÷base", "calls ours÷base", "baseline"],
    report.scenarios.map((s) => [
      s.title, s.ours?.wallMs, s.ours?.roundTrips, s.ours?.calls.total, s.baseline?.wallMs, s.baseline?.roundTrips, s.baseline?.calls.total,
      ratio(s.ours?.wallMs, s.baseline?.wallMs), ratio(s.ours?.calls.total, s.baseline?.calls.total), s.baseline?.extrapolated ?? (s.baseline ? "measured whole" : "–")
    ])
  )

const fmt = (n: number | undefined, unit = "") => (n === undefined || !Number.isFinite(n) ? "–" : `${Math.round(n * 100) / 100}${unit}`)

/** The issue's targets (ours, end to end), each PASS / FAIL, or n/a when not measured. */
export const evaluateTargets = (report: BenchReport): Array<Target> => {
  const byId = new Map(report.scenarios.map((s) => [s.id, s]))
  const targets: Array<Target> = []
  const titles: Record<string, string> = {
    "create-1000": "create with 1,000 members",
    "create-10000": "create with 10,000 members",
    "sync-1000": "PATCH sync 1,000 → 1,000, half changed",
    "get-5000": "GET a 5,000-member DL"
  }
  const rt = (id: string, limit: number) => {
    const o = byId.get(id)?.ours
    targets.push({ name: `${titles[id] ?? id}: round trips`, measured: fmt(o?.roundTrips), limit: `≤ ${limit}`, pass: o === undefined ? undefined : o.roundTrips <= limit && o.allSucceeded })
  }
  const c1000 = byId.get("create-1000")?.ours
  rt("create-1000", 8)
  targets.push({ name: "create with 1,000 members: upstream calls", measured: fmt(c1000?.calls.total), limit: "≤ 12", pass: c1000 === undefined ? undefined : c1000.calls.total <= 12 })
  rt("create-10000", 30)
  rt("sync-1000", 8)
  rt("get-5000", 8)
  const both = report.scenarios.filter((s) => s.ours !== undefined && s.baseline !== undefined)
  const worse = both.filter((s) => s.ours!.calls.total > s.baseline!.calls.total)
  targets.push({
    name: "never more upstream calls than the baseline",
    measured: worse.length === 0 ? `${both.length} scenarios compared` : `more in: ${worse.map((s) => s.id).join(", ")}`,
    limit: "ours ≤ baseline in every scenario",
    pass: both.length === 0 ? undefined : worse.length === 0
  })
  const ours = report.scenarios.map((s) => s.ours).filter((o): o is Side => o !== undefined)
  const surfaced = report.scenarios.filter((s) => s.ours !== undefined && !s.ours.allSucceeded)
  const absorbed = `${ours.reduce((n, o) => n + o.throttled, 0)} sandbox 429s`
  targets.push({
    name: "within the throttle budget: 429s absorbed, none surfaced",
    measured: `${absorbed}; failures surfaced in: ${surfaced.length === 0 ? "none" : surfaced.map((s) => s.id).join(", ")}`,
    limit: "no 429/5xx/failed member reaches the caller",
    pass: ours.length === 0 ? undefined : surfaced.length === 0
  })
  const inexact = report.scenarios.filter((s) => s.ours?.stateOk === false)
  targets.push({
    name: "every scenario ends in exactly the intended state",
    measured: inexact.length === 0 ? "all exact" : `off in: ${inexact.map((s) => `${s.id} (${s.ours!.state})`).join(", ")}`,
    limit: "exact",
    pass: ours.length === 0 ? undefined : inexact.length === 0
  })
  const mem = report.memory
  targets.push({
    name: `GET of a ${mem?.members.toLocaleString("en-US") ?? "50,000"}-member DL: peak RSS, complete list`,
    measured: mem === undefined || mem.error ? (mem?.error ?? "–") : `${fmt(mem.hwmAfterMiB, " MiB")} peak, ${mem.returned} returned`,
    limit: "< 200 MB and complete",
    pass: mem === undefined || mem.error ? undefined : mem.hwmAfterMiB * 1.048576 < 200 && mem.complete
  })
  for (const row of report.overhead?.rows ?? []) {
    if (row.path === FLOOR_PATH || row.reference !== undefined) continue
    targets.push({
      name: `service overhead: GET ${row.path} req/s vs bare node:http`,
      measured: `${fmt(row.ratio, "×")} (${Math.round(row.oursRps)} vs ${Math.round(row.bareRps)} req/s)`,
      limit: "≥ 0.5×",
      pass: row.ratio >= 0.5
    })
  }
  if (report.overhead === undefined || report.overhead.rows.length === 0) targets.push({ name: "service overhead vs bare node:http", measured: report.overhead?.error ?? "–", limit: "≥ 0.5×", pass: undefined })
  const cold = report.coldStart
  targets.push({
    name: "cold start to first 200 (median)",
    measured: cold === undefined || cold.error ? (cold?.error ?? "–") : `${fmt(cold.medianMs, " ms")} (${cold.samplesMs.map((x) => Math.round(x)).join(", ")})`,
    limit: "≤ 300 ms",
    pass: cold === undefined || cold.error ? undefined : cold.medianMs <= 300
  })
  return targets
}

export const targetsTable = (targets: ReadonlyArray<Target>): string =>
  formatTable(["target", "measured", "limit", "result"], targets.map((t) => [t.name, t.measured, t.limit, t.pass === undefined ? "n/a" : t.pass ? "PASS" : "FAIL"]))

export interface ThrottleSettings {
  readonly throttleRps: number
  readonly graphResourceUnitsPer10s: number
}

/** The sandbox's throttles in words: Graph's resource-unit budget when on, else the per-surface rate for all three. */
export const throttleText = (s: ThrottleSettings): string =>
  s.graphResourceUnitsPer10s > 0
    ? `Graph ${s.graphResourceUnitsPer10s.toLocaleString("en-US")} RU per 10 s per app, identity and Exchange throttle ${s.throttleRps}/s`
    : `throttle ${s.throttleRps}/s per surface`

/** Everything printed at the end of a run: one table per scenario, the probes, the summary and the targets. */
export const renderReport = (report: BenchReport, settings: ThrottleSettings & { readonly latencyMs: number; readonly overheadRounds: number }): string => {
  const out: Array<string> = []
  out.push(`\n## Results (sandbox latency ${settings.latencyMs} ms per upstream call, ${throttleText(settings)}; round trips = wall time ÷ latency;`)
  out.push("## calls = HTTP requests per surface on the wire (a $batch is one); sandbox ops = the sandbox's counters, which also count each $batch part)\n")
  for (const s of report.scenarios) out.push(scenarioTable(s) + "\n")
  if (report.overhead !== undefined) {
    const o = report.overhead
    out.push(`### service overhead (${o.connections} keep-alive connections, ${settings.overheadRounds} alternating rounds × ${o.durationMs / 1000} s, medians; ${o.mode})`)
    for (const r of o.rows) {
      const note = r.reference !== undefined
        ? ` on the ${r.reference} (${referenceNotes[r.reference] ?? "a reference server"}; no target)`
        : r.path === FLOOR_PATH ? " (unknown route: the HTTP framework's floor, no target)" : ""
      const who = r.reference !== undefined ? r.reference : "service"
      out.push(`  GET ${r.path}${note}: ${who} ${Math.round(r.oursRps)} req/s ${JSON.stringify(r.oursStatuses)}, bare node:http ${Math.round(r.bareRps)} req/s ${JSON.stringify(r.bareStatuses)} → ${r.ratio.toFixed(2)}×`)
    }
    if (o.error) out.push(`  ERROR: ${o.error}`)
    out.push("")
  }
  if (report.coldStart !== undefined) out.push(`### cold start: median ${Math.round(report.coldStart.medianMs)} ms of [${report.coldStart.samplesMs.map((x) => Math.round(x)).join(", ")}]${report.coldStart.error ? ` ERROR: ${report.coldStart.error}` : ""}\n`)
  if (report.memory !== undefined) {
    const m = report.memory
    out.push(`### memory: GET of a ${m.members.toLocaleString("en-US")}-member DL → ${m.status}, ${m.returned} members, ${(m.bytes / 1e6).toFixed(1)} MB in ${Math.round(m.wallMs)} ms; before the GET: VmRSS ${m.rssBeforeMiB.toFixed(1)} MiB, VmHWM ${m.hwmBeforeMiB.toFixed(1)} MiB (start-up peak); after: VmHWM ${m.hwmAfterMiB.toFixed(1)} MiB${m.error ? ` ERROR: ${m.error}` : ""}\n`)
  }
  if (report.scenarios.length > 0) out.push("## Summary\n" + summaryTable(report) + "\n")
  out.push("## Targets (issue 5)\n" + targetsTable(report.targets))
  for (const p of report.problems) out.push(`problem: ${p}`)
  return out.join("\n")
}
