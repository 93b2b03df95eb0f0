/**
 * Graph's resource-unit throttle (spec: graph-and-identity.md §5 "Identity and access limits", §2 batch
 * throttling) on the Graph face's dispatch and `$batch`, with the TestClock.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { Claims } from "../../../src/sandbox/identity/AccessTokens.ts"
import { batch } from "../../../src/sandbox/graph/GraphBatch.ts"
import { dispatch, type GraphDeps } from "../../../src/sandbox/graph/GraphDispatch.ts"
import type { GraphResponse } from "../../../src/sandbox/graph/GraphResponse.ts"
import { SandboxStats } from "../../../src/sandbox/Stats.ts"
import { Behaviour, type Knobs } from "../../../src/sandbox/tenant/Behaviour.ts"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"

const TENANT = "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c"
const GROUP = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"
const allRoles = ["User.Read.All", "Directory.Read.All", "Group.Read.All", "GroupMember.Read.All"]

const claims = (appid = "app-1", roles: ReadonlyArray<string> = allRoles): Claims => ({
  aud: "https://graph.microsoft.com",
  iss: `https://sts.windows.net/${TENANT}/`,
  tid: TENANT,
  appid,
  roles,
  ver: "1.0",
  iat: 0,
  nbf: 0,
  exp: 3_600
})

const services = (knobs: Partial<Knobs>) => Layer.mergeAll(TenantModel.layerTest(), Behaviour.layerTest(knobs), SandboxStats.layer)

const deps = Effect.gen(function*() {
  return { model: yield* TenantModel, behaviour: yield* Behaviour, stats: yield* SandboxStats } satisfies GraphDeps
})

const ids = { requestId: "r-1", clientRequestId: "c-1", now: 0 }

/** One direct Graph request, `target` relative to `/v1.0`. */
const get = (target: string, options: { method?: string; body?: unknown; claims?: Claims } = {}) =>
  Effect.gen(function*() {
    const q = target.indexOf("?")
    return yield* dispatch(yield* deps, {
      method: options.method ?? "GET",
      path: q < 0 ? target : target.slice(0, q),
      query: new URLSearchParams(q < 0 ? "" : target.slice(q + 1)),
      target,
      headers: {},
      body: options.body
    }, { claims: options.claims ?? claims(), base: "http://sandbox", ids, batched: false })
  })

const postBatch = (urls: ReadonlyArray<string>, appid = "app-1") =>
  Effect.gen(function*() {
    const response = yield* batch(yield* deps, { requests: urls.map((url, i) => ({ id: String(i + 1), method: "GET", url })) }, {
      claims: claims(appid),
      base: "http://sandbox",
      ids
    })
    return (response.body as { responses: ReadonlyArray<{ id: string; status: number; headers: Record<string, string> }> }).responses
  })

const units = (r: Pick<GraphResponse, "headers">) => r.headers["x-ms-resource-unit"]

describe("Graph resource-unit throttle (graphResourceUnitsPer10s)", () => {
  it.effect("every admitted answer carries x-ms-resource-unit with the §5 cost, errors included (§2 sample: a 403 part with 1)", () =>
    Effect.gen(function*() {
      assert.strictEqual(units(yield* get("/users")), "2")
      assert.strictEqual(units(yield* get("/users?$select=id,mail&$top=5")), "1")
      assert.strictEqual(units(yield* get("/users/adele.vance@contoso.example")), "1")
      const members = yield* get(`/groups/${GROUP}/members`)
      assert.deepStrictEqual([members.status, units(members)], [404, "3"])
      const owners = yield* get(`/groups/${GROUP}/owners`)
      assert.deepStrictEqual([owners.status, units(owners)], [404, "1"])
      const byIds = yield* get("/directoryObjects/getByIds", { method: "POST", body: { ids: [] } })
      assert.deepStrictEqual([byIds.status, units(byIds)], [200, "3"])
      const denied = yield* get("/users", { claims: claims("app-1", []) })
      assert.deepStrictEqual([denied.status, units(denied)], [403, "2"])
    }).pipe(Effect.provide(services({ graphResourceUnitsPer10s: 8_000 }))))

  it.effect("a $batch part is charged on its own: parts beyond the bucket get 429 with Retry-After and the §5 throttle headers", () =>
    Effect.gen(function*() {
      // 10 units per 10 s, GET /users costs 2: five parts fit, fifteen are refused.
      const responses = yield* postBatch(Array.from({ length: 20 }, () => "/users?$top=999"))
      const passed = responses.filter((r) => r.status === 200)
      const refused = responses.filter((r) => r.status === 429)
      assert.deepStrictEqual([passed.length, refused.length], [5, 15])
      assert.isTrue(passed.every((r) => units(r) === "2"))
      for (const r of refused) {
        // 2 units short at 1 unit per second.
        assert.strictEqual(r.headers["Retry-After"], "2")
        assert.strictEqual(r.headers["x-ms-throttle-scope"], `Tenant_Application/ReadWrite/app-1/${TENANT}`)
        assert.strictEqual(r.headers["x-ms-throttle-information"], "ResourceUnitLimitExceeded")
        assert.isUndefined(units(r))
      }
      // Another app has its own bucket.
      assert.strictEqual((yield* postBatch(["/users"], "app-2"))[0]!.status, 200)
      yield* TestClock.adjust(1_999)
      assert.strictEqual((yield* get("/users")).status, 429)
      yield* TestClock.adjust(1)
      const retried = yield* get("/users")
      assert.deepStrictEqual([retried.status, units(retried)], [200, "2"])
      // Cheaper requests fit sooner: after one more second one unit is back.
      yield* TestClock.adjust(1_000)
      assert.strictEqual((yield* get("/users?$select=id")).status, 200)
      assert.strictEqual((yield* get("/users?$select=id")).status, 429)
    }).pipe(Effect.provide(services({ graphResourceUnitsPer10s: 10 }))))

  it.effect("the global 2,000 requests per second per app answers a plain 429 (no identity-limit headers)", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust(100)
      const answers = yield* Effect.forEach(Array.from({ length: 2_001 }), () => get("/groups?$top=1"))
      assert.strictEqual(answers.filter((r) => r.status === 200).length, 2_000)
      const refused = answers.find((r) => r.status === 429)!
      assert.strictEqual(refused.headers["Retry-After"], "1")
      assert.isUndefined(refused.headers["x-ms-throttle-scope"])
      assert.strictEqual((refused.body as any).error.code, "TooManyRequests")
    }).pipe(Effect.provide(services({ graphResourceUnitsPer10s: 1_000_000 }))))

  it.effect("with the knob at 0 every admitted answer still says its documented cost, and throttleRps counts requests", () =>
    Effect.gen(function*() {
      assert.strictEqual(units(yield* get("/users")), "2")
      assert.strictEqual(units(yield* get(`/groups/${GROUP}/members`)), "3")
      assert.strictEqual(units(yield* get("/users", { claims: claims("app-1", []) })), "2")
      yield* TestClock.adjust(1_000)
      const statuses = (yield* postBatch(Array.from({ length: 5 }, () => "/users"))).map((r) => r.status).sort()
      assert.deepStrictEqual(statuses, [200, 200, 200, 429, 429])
    }).pipe(Effect.provide(services({ throttleRps: 3 }))))
})
