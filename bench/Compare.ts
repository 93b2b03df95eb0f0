import { type Cell, formatTable, ratio } from "./lib/Table.ts"
import type { BenchReport, OverheadRow } from "./Model.ts"

/** `abc1234 2026-11-24`: which run a report is. */
const label = (report: BenchReport): string => `${String(report.config["commit"] ?? "unknown")} ${report.startedAt.slice(0, 10)}`

const rowKey = (row: OverheadRow) => `${row.path}${row.reference === undefined ? "" : ` (${row.reference})`}`

/**
 * This run against an earlier one (issue 5: results "compared over time"): ours per scenario in both,
 * the overhead ratios, cold start and peak memory. "now ÷ then" below 1 is better for times and calls,
 * above 1 for the overhead ratios. Only what both runs measured is shown.
 */
export const compareReports = (then: BenchReport, now: BenchReport): string => {
  const out: Array<string> = [`## Compared with ${label(then)} (now ${label(now)})`]
  const before = new Map(then.scenarios.map((s) => [s.id, s.ours]))
  const scenarioRows: Array<Array<Cell>> = []
  for (const s of now.scenarios) {
    const a = before.get(s.id)
    const b = s.ours
    if (a === undefined || b === undefined) continue
    scenarioRows.push([s.title, a.roundTrips, b.roundTrips, ratio(b.roundTrips, a.roundTrips), a.calls.total, b.calls.total])
  }
  if (scenarioRows.length > 0) {
    out.push(formatTable(["scenario (ours)", "RT then", "RT now", "now ÷ then", "calls then", "calls now"], scenarioRows))
  }
  const oldRows = new Map((then.overhead?.rows ?? []).map((r) => [rowKey(r), r]))
  const overheadRows: Array<Array<Cell>> = []
  for (const r of now.overhead?.rows ?? []) {
    const o = oldRows.get(rowKey(r))
    if (o !== undefined) overheadRows.push([`GET ${rowKey(r)} vs bare node:http`, o.ratio, r.ratio, ratio(r.ratio, o.ratio)])
  }
  const probes: Array<Array<Cell>> = []
  if (then.coldStart !== undefined && now.coldStart !== undefined && !then.coldStart.error && !now.coldStart.error) {
    probes.push(["cold start to first 200, median ms", then.coldStart.medianMs, now.coldStart.medianMs, ratio(now.coldStart.medianMs, then.coldStart.medianMs)])
  }
  if (then.memory !== undefined && now.memory !== undefined && !then.memory.error && !now.memory.error) {
    probes.push(["GET of the big DL, peak RSS MiB", then.memory.hwmAfterMiB, now.memory.hwmAfterMiB, ratio(now.memory.hwmAfterMiB, then.memory.hwmAfterMiB)])
  }
  if (overheadRows.length + probes.length > 0) out.push(formatTable(["probe", "then", "now", "now ÷ then"], [...overheadRows, ...probes]))
  if (out.length === 1) out.push("nothing measured in both runs")
  return out.join("\n\n")
}
