import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { CurrentNotFoundCache, NotFoundCache } from "../../../src/adapters/http/NotFoundCache.ts"
import { Transient, UpstreamError } from "../../../src/application/ports/UpstreamError.ts"
import type { DistributionListsError } from "../../../src/application/DistributionLists.ts"
import { DistributionListExists, DistributionListNotFound, UsersNotFound } from "../../../src/domain/Errors.ts"
import type { DistributionLists } from "../../../src/application/DistributionLists.ts"
import { app, details } from "./support.ts"

// A change the caller abandons halfway (the connection closes) still runs to its end: the stubbed use case
// waits on a gate after it started; the request is aborted, then the gate opens. (DELETE has no body, and
// an aborted web request without one does not interrupt the handler here, so it is not in the list.)
const gated = () =>
  Effect.gen(function*() {
    const started = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const finished = yield* Deferred.make<void>()
    const change = <A>(result: A) =>
      Effect.gen(function*() {
        yield* Deferred.succeed(started, undefined)
        yield* Deferred.await(gate)
        yield* Deferred.succeed(finished, undefined)
        return result
      })
    return { started, gate, finished, change }
  })

const members = { memberEmails: ["member2@contoso.example"] }

const cases: ReadonlyArray<{
  readonly name: string
  readonly method: string
  readonly path: string
  readonly body?: unknown
  readonly service: (change: <A>(result: A) => Effect.Effect<A>) => Partial<DistributionLists["Service"]>
}> = [
  {
    name: "create",
    method: "POST",
    path: "/api/dl",
    body: { name: "Marketing Team", ownerEmails: ["john.doe@contoso.example"] },
    service: (change) => ({
      create: () => change({ dlId: "marketing-team", primaryEmail: details.primaryEmail, status: "created", failedMembers: [] })
    })
  },
  {
    name: "update",
    method: "PATCH",
    path: "/api/dl/marketing-team",
    body: { displayName: "Marketing", ...members },
    service: (change) => ({ update: () => change({ message: "updated" }) })
  },
  {
    name: "add members",
    method: "POST",
    path: "/api/dl/marketing-team/members",
    body: members,
    service: (change) => ({ addMembers: () => change({ message: "added", failed: [] }) })
  },
  {
    name: "remove members",
    method: "DELETE",
    path: "/api/dl/marketing-team/members",
    body: members,
    service: (change) => ({ removeMembers: () => change({ message: "removed", failed: [] }) })
  }
]

describe("Handlers", () => {
  for (const c of cases) {
    it.live(`${c.name}: runs to its end when the caller goes away halfway`, () =>
      Effect.gen(function*() {
        const { started, gate, finished, change } = yield* gated()
        const { request } = yield* app(c.service(change))
        const abort = new AbortController()
        const call = yield* Effect.forkChild(
          Effect.exit(request(c.method, c.path, { ...(c.body ? { body: c.body } : {}), signal: abort.signal }))
        )
        yield* Deferred.await(started)
        abort.abort()
        yield* Deferred.succeed(gate, undefined)
        // bounded only so that a regression fails instead of hanging
        yield* Deferred.await(finished).pipe(Effect.timeout("2 seconds"))
        yield* Fiber.await(call)
      }))
  }
})

describe("changes and the not-found cache", () => {
  const key = { "x-api-key": "any-key-0123456789" }
  const body = { name: "a", ownerEmails: ["o@contoso.example"] }
  const counting = () => {
    const cache = new NotFoundCache({ ttlMillis: 60_000 })
    const seen = { announced: 0 }
    cache.coordinate(Effect.sync(() => void seen.announced++))
    cache.heard(Number.POSITIVE_INFINITY)
    return { cache, seen, provided: Layer.succeed(CurrentNotFoundCache, cache) }
  }
  const kept = (cache: NotFoundCache) => cache.keep("/api/dl/x", cache.lookupStarts(), { headers: [], requestIdAt: 0, body: "" }, 0)

  it.effect("a create or update empties the cache; one that may have made a name findable tells other instances", () =>
    Effect.gen(function*() {
      const { cache, provided, seen } = counting()
      let createFails: DistributionListsError = new UsersNotFound({ addresses: ["nobody@contoso.example"] })
      const { request } = yield* app({
        create: () => Effect.fail(createFails),
        update: () =>
          Effect.fail(new UpstreamError({ operation: "Set-DistributionGroup", reason: new Transient({ throttled: false }) }))
      }, {}, provided)
      kept(cache)
      assert.strictEqual((yield* request("POST", "/api/dl", { headers: key, body })).status, 404)
      assert.strictEqual(cache.size, 0, "emptied")
      assert.strictEqual(seen.announced, 0, "an unknown user: nothing was made")
      createFails = new DistributionListExists({ alias: "a", detail: "exists" })
      assert.strictEqual((yield* request("POST", "/api/dl", { headers: key, body })).status, 409)
      assert.strictEqual(seen.announced, 1, "the name is taken: the list exists, maybe made by this very request")
      assert.strictEqual((yield* request("PATCH", "/api/dl/a", { headers: key, body: { name: "b" } })).status, 503)
      assert.strictEqual(seen.announced, 2, "Microsoft's failure: it may have applied")
    }).pipe(Effect.scoped))

  it.effect("deletes and member changes leave the cache alone: they cannot make a missing list findable", () =>
    Effect.gen(function*() {
      const { cache, provided, seen } = counting()
      const { request } = yield* app({
        remove: () => Effect.succeed({ message: "deleted" }),
        addMembers: () => Effect.succeed({ message: "added", failed: [] }),
        removeMembers: () => Effect.succeed({ message: "removed", failed: [] })
      }, {}, provided)
      kept(cache)
      assert.strictEqual((yield* request("DELETE", "/api/dl/a", { headers: key })).status, 200)
      const members = { memberEmails: ["m@contoso.example"] }
      assert.strictEqual((yield* request("POST", "/api/dl/a/members", { headers: key, body: members })).status, 200)
      assert.strictEqual((yield* request("DELETE", "/api/dl/a/members", { headers: key, body: members })).status, 200)
      assert.strictEqual(cache.size, 1)
      assert.strictEqual(seen.announced, 0)
    }).pipe(Effect.scoped))

  it.effect("an instance with its cache off still tells the others", () =>
    Effect.gen(function*() {
      const cache = new NotFoundCache({ ttlMillis: 0 })
      let announced = 0
      cache.coordinate(Effect.sync(() => void announced++))
      const { request } = yield* app({
        create: () => Effect.succeed({ dlId: "a", primaryEmail: "a@contoso.example", status: "created", failedMembers: [] })
      }, {}, Layer.succeed(CurrentNotFoundCache, cache))
      assert.strictEqual((yield* request("POST", "/api/dl", { headers: key, body })).status, 201)
      assert.strictEqual(announced, 1)
    }).pipe(Effect.scoped))

  it.effect("a request refused before any change (bad body, no route, wrong method) leaves the cache and Redis alone", () =>
    Effect.gen(function*() {
      const { cache, provided, seen } = counting()
      const { request } = yield* app({}, {}, provided)
      kept(cache)
      assert.strictEqual((yield* request("PATCH", "/api/dl/a", { headers: key, body: { name: 5 } })).status, 422)
      assert.strictEqual((yield* request("POST", "/nothing", {})).status, 404)
      assert.strictEqual((yield* request("PUT", "/healthz", {})).status, 405)
      assert.strictEqual(cache.size, 1)
      assert.strictEqual(seen.announced, 0)
    }).pipe(Effect.scoped))

  it.effect("does not keep a 404 whose lookup overlapped a change", () =>
    Effect.gen(function*() {
      const { cache, provided } = counting()
      const started = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const { request } = yield* app({
        get: (dlId: string) =>
          Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Deferred.await(release)),
            Effect.andThen(Effect.fail(new DistributionListNotFound({ dlId })))
          ),
        create: () => Effect.fail(new DistributionListExists({ alias: "a", detail: "exists" }))
      }, {}, provided)
      const lookup = yield* Effect.forkChild(request("GET", "/api/dl/a", { headers: key }))
      yield* Deferred.await(started)
      yield* request("POST", "/api/dl", { headers: key, body })
      yield* Deferred.succeed(release, undefined)
      const res = yield* Fiber.join(lookup)
      assert.strictEqual(res.status, 404)
      assert.strictEqual(cache.size, 0)
    }).pipe(Effect.scoped))
})
