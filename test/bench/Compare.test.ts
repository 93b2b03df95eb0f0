import { assert, describe, it } from "@effect/vitest"
import { compareReports } from "../../bench/Compare.ts"
import { type BenchReport, HTTPAPI_FLOOR, type Side } from "../../bench/Model.ts"

const side = (roundTrips: number, calls: number): Side => ({
  wallMs: roundTrips * 25, roundTrips, upstreamBusyMs: 0, upstreamMeanMs: 0, throttled: 0, outcome: "201", allSucceeded: true,
  calls: { identity: 0, graph: 1, exchange: calls - 1, total: calls, sandboxOps: calls, operations: {} }
})
const overheadRow = (path: string, ratio: number, reference?: string) => ({
  path, ...(reference ? { reference } : {}), bareRps: 1000, oursRps: 1000 * ratio, ratio, oursStatuses: {}, bareStatuses: {}
})
const report = (commit: string, rt: number, lookup: number, extra: Partial<BenchReport> = {}): BenchReport => ({
  startedAt: "2026-11-24T08:00:00.000Z", config: { commit }, targets: [], problems: [],
  scenarios: [
    { id: "create-1000", title: "create with 1,000 members", ours: side(rt, 3), notes: [] },
    { id: `only-${commit}`, title: `only in ${commit}`, ours: side(1, 1), notes: [] }
  ],
  overhead: { connections: 1, durationMs: 1, mode: "t", rows: [overheadRow("/api/dl/x", lookup), overheadRow("/api/dl/x", 0.2, HTTPAPI_FLOOR)] },
  ...extra
})

describe("compareReports", () => {
  it("puts what both runs measured side by side, with now ÷ then", () => {
    const text = compareReports(report("aaa1111", 5.25, 0.01), report("bbb2222", 4.2, 0.025))
    assert.include(text, "## Compared with aaa1111 2026-11-24 (now bbb2222 2026-11-24)")
    assert.match(text, /\| create with 1,000 members \|\s+5\.25 \|\s+4\.20 \|\s+0\.800 \|\s+3 \|\s+3 \|/)
    assert.match(text, /\| GET \/api\/dl\/x vs bare node:http\s+\|\s+0\.010 \|\s+0\.025 \|\s+2\.50 \|/)
    assert.include(text, `GET /api/dl/x (${HTTPAPI_FLOOR}) vs bare node:http`)
    assert.notInclude(text, "only in")
  })

  it("says so when the runs share nothing", () => {
    const empty = (commit: string): BenchReport => ({ startedAt: "2026-11-24T08:00:00.000Z", config: { commit }, targets: [], problems: [], scenarios: [] })
    assert.include(compareReports(empty("a"), empty("b")), "nothing measured in both runs")
  })
})
