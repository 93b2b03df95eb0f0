import { assert, describe, it } from "@effect/vitest"
import { type BenchReport, FLOOR_PATH, HTTPAPI_FLOOR, type Side } from "../../bench/Model.ts"
import { evaluateTargets, renderReport, scenarioTable } from "../../bench/Report.ts"
import { diffStats, type StatsSnapshot } from "../../bench/Sandbox.ts"

const snapshot = (graph: Record<string, number>, exchange: Record<string, number>): StatsSnapshot => ({
  total: 0,
  surfaces: {
    identity: { total: 0, operations: { token: 2 } },
    graph: { total: 0, operations: graph },
    exchange: { total: 0, operations: exchange }
  }
})

describe("diffStats", () => {
  it("counts only what moved between two snapshots, per surface and operation", () => {
    const calls = diffStats(snapshot({ "POST /$batch": 3 }, {}), snapshot({ "POST /$batch": 5, "GET /users": 1 }, { "New-DistributionGroup": 1 }))
    assert.deepStrictEqual(calls, {
      total: 4,
      operations: { "graph POST /$batch": 2, "graph GET /users": 1, "exchange New-DistributionGroup": 1 }
    })
  })

  it("treats a reset in between as counting from zero", () => {
    assert.strictEqual(diffStats(undefined, snapshot({ "GET /users": 2 }, {})).total, 4)
  })
})

const side = (over: Partial<Side>): Side => ({
  wallMs: 100, roundTrips: 4, calls: { identity: 0, graph: 2, exchange: 3, total: 5, sandboxOps: 5, operations: {} }, throttled: 0,
  outcome: "201", allSucceeded: true, stateOk: true, ...over
})

describe("evaluateTargets", () => {
  const report = (): BenchReport => ({
    startedAt: "", config: {}, targets: [], problems: [],
    scenarios: [
      { id: "create-1000", title: "create with 1,000 members", notes: [], ours: side({}), baseline: side({ calls: { identity: 0, graph: 1000, exchange: 1002, total: 2002, sandboxOps: 2002, operations: {} } }) },
      { id: "get-5000", title: "GET a 5,000-member DL", notes: [], ours: side({ roundTrips: 9 }), baseline: side({ calls: { identity: 0, graph: 1, exchange: 2, total: 3, sandboxOps: 3, operations: {} } }) }
    ],
    coldStart: { samplesMs: [250, 310, 290], medianMs: 290 }
  })
  const result = (name: string) => evaluateTargets(report()).find((t) => t.name.startsWith(name))?.pass

  it("passes and fails each target on its own limit", () => {
    assert.isTrue(result("create with 1,000 members: round trips"))
    assert.isTrue(result("create with 1,000 members: upstream calls"))
    assert.isFalse(result("GET a 5,000-member DL: round trips"))
    assert.isFalse(result("never more upstream calls"))
    assert.isTrue(result("cold start"))
    assert.isUndefined(result("create-10000"))
  })

  it("prints a ratio row when both sides ran", () => {
    const table = scenarioTable(report().scenarios[0]!)
    assert.include(table, "| ours ÷ baseline |")
    assert.include(table, "2,002")
  })
})

describe("service overhead rows", () => {
  const row = (path: string, ratio: number) => ({ path, bareRps: 1000, oursRps: 1000 * ratio, ratio, oursStatuses: {}, bareStatuses: {} })
  const report = (): BenchReport => ({
    startedAt: "", config: {}, targets: [], problems: [], scenarios: [],
    overhead: {
      connections: 1, durationMs: 1, mode: "test",
      rows: [row("/healthz", 0.8), row("/api/dl/x", 0.1), { ...row("/api/dl/x", 0.7), reference: HTTPAPI_FLOOR }, row(FLOOR_PATH, 0.2)]
    }
  })

  it("judges /healthz and the lookup against 0.5×, and keeps the floors (unknown route, minimal HttpApi) out of the targets", () => {
    const overhead = evaluateTargets(report()).filter((t) => t.name.startsWith("service overhead"))
    assert.deepStrictEqual(overhead.map((t) => [t.name, t.pass]), [
      ["service overhead: GET /healthz req/s vs bare node:http", true],
      ["service overhead: GET /api/dl/x req/s vs bare node:http", false]
    ])
  })

  it("prints the minimal-HttpApi row as that server's, not the service's", () => {
    const text = renderReport(report(), { latencyMs: 25, overheadRounds: 1, throttleRps: 0, graphResourceUnitsPer10s: 0 })
    assert.include(text, `GET /api/dl/x on the ${HTTPAPI_FLOOR} (bench/HttpApiFloor.ts`)
    assert.include(text, `${HTTPAPI_FLOOR} 700 req/s`)
    assert.include(text, "GET /api/dl/x: service 100 req/s")
  })
})
