import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { INNER_ROUNDS } from "../../../src/adapters/microsoft/GraphBatch.ts"
import * as GraphUserDirectory from "../../../src/adapters/microsoft/GraphUserDirectory.ts"
import { UserDirectory } from "../../../src/application/ports/UserDirectory.ts"
import { schedules } from "../../../src/application/Retry.ts"
import { defaults } from "../../../src/application/Settings.ts"
import * as UserValidation from "../../../src/application/UserValidation.ts"
import { cloudLayer, type FakeReply, type FakeRequest, fakeHttp, fakeTokens, GRAPH, parseFilter } from "./FakeHttp.ts"

interface User {
  readonly id: string
  readonly userPrincipalName: string
  readonly mail: string | null
  readonly displayName: string
  readonly proxyAddresses: ReadonlyArray<string>
}

const user = (n: number): User => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`,
  userPrincipalName: `u${n}@contoso.onmicrosoft.com`,
  mail: `User.${n}@contoso.com`,
  displayName: `User ${n}`,
  proxyAddresses: [`SMTP:User.${n}@contoso.com`, `smtp:u${n}@contoso.onmicrosoft.com`]
})

interface Knobs {
  /** Inner requests (by id) answered 429 this many times each. */
  throttleInner?: Record<string, number>
  topLevel429?: number
  topLevel424?: number
  topLevelStatus?: number
  innerStatus?: number
  /** User ids that advanced (eventually consistent) queries do not return yet. */
  hiddenFromAdvanced?: ReadonlyArray<string>
}

/** A small Graph: `$batch` of filtered `GET /users`, and `getByIds`. */
const fakeGraph = (users: ReadonlyArray<User>, knobs: Knobs = {}) => {
  const batches: Array<ReadonlyArray<{ id: string; url: string; headers?: Record<string, string> }>> = []
  const getByIds: Array<ReadonlyArray<string>> = []
  const inner = (request: { id: string; url: string; headers?: Record<string, string> }): FakeReply => {
    const throttled = knobs.throttleInner?.[request.id] ?? 0
    if (throttled > 0) {
      knobs.throttleInner![request.id] = throttled - 1
      return { status: 429, headers: { "Retry-After": "3" }, body: { error: { code: "TooManyRequests" } } }
    }
    if (knobs.innerStatus) return { status: knobs.innerStatus, body: { error: { code: "Authorization_RequestDenied" } } }
    const params = new URL(`https://x${request.url}`).searchParams
    const filter = params.get("$filter")!
    const select = params.get("$select")!.split(",")
    const { lists, proxies } = parseFilter(filter)
    // As Graph (and the sandbox) count them: every `in` value and `or` branch, at most 15 (spec §1.2);
    // with the advanced-query parameters the URL length (2,048) bounds them instead.
    const advanced = request.headers?.["ConsistencyLevel"] === "eventual" && params.get("$count") === "true"
    if (advanced ? `${GRAPH}${request.url}`.length > 2048 : Object.values(lists).flat().length + proxies.length > 15) {
      return { status: 400, body: { error: { code: "Request_UnsupportedQuery", message: "Too many child clauses" } } }
    }
    const lower = (values: ReadonlyArray<string> | undefined) => new Set((values ?? []).map((v) => v.toLowerCase()))
    const upns = lower(lists["userPrincipalName"])
    const mails = lower(lists["mail"])
    const proxySet = lower(proxies)
    const hidden = new Set(advanced ? knobs.hiddenFromAdvanced ?? [] : [])
    const value = users.filter((u) => !hidden.has(u.id)).filter((u) =>
      upns.has(u.userPrincipalName.toLowerCase()) || (u.mail !== null && mails.has(u.mail.toLowerCase())) ||
      u.proxyAddresses.some((p) => proxySet.has(p.toLowerCase()))
    )
    return { status: 200, body: { value: value.map((u) => Object.fromEntries(select.map((key) => [key, u[key as keyof User]]))) } }
  }
  const handler = (request: FakeRequest): Effect.Effect<FakeReply> =>
    Effect.sync(() => {
      if (request.url === `${GRAPH}/$batch`) {
        batches.push(request.json.requests)
        if ((knobs.topLevel429 ?? 0) > 0) {
          knobs.topLevel429!--
          return { status: 429, headers: { "retry-after": "2" }, body: { error: { code: "TooManyRequests" } } }
        }
        if ((knobs.topLevel424 ?? 0) > 0) {
          knobs.topLevel424!--
          return { status: 424, body: { error: { code: "FailedDependency" } } }
        }
        if (knobs.topLevelStatus) return { status: knobs.topLevelStatus, body: { error: { code: "InvalidAuthenticationToken" } } }
        return { status: 200, body: { responses: request.json.requests.map((r: { id: string; url: string }) => ({ id: r.id, ...inner(r) })) } }
      }
      if (request.url === `${GRAPH}/directoryObjects/getByIds`) {
        getByIds.push(request.json.ids)
        const ids = new Set<string>(request.json.ids)
        return {
          status: 200,
          body: {
            value: [
              ...users.filter((u) => ids.has(u.id)).map((u) => ({ "@odata.type": "#microsoft.graph.user", ...u })),
              { "@odata.type": "#microsoft.graph.group", id: "group-id", displayName: "a group" }
            ]
          }
        }
      }
      return { status: 404, body: { error: { code: "Request_ResourceNotFound" } } }
    })
  const http = fakeHttp(handler)
  const tokens = fakeTokens()
  const layer = GraphUserDirectory.layer.pipe(Layer.provide([http.layer, tokens.layer, cloudLayer]))
  return { batches, getByIds, requests: http.requests, invalidated: tokens.invalidated, layer }
}

const findUsers = (addresses: ReadonlyArray<string>) => Effect.flatMap(UserDirectory, (d) => d.findUsers(addresses))

/** A lookup as the use cases make it: through UserValidation, retried by the application's `upstream` schedule. */
const resolve = (addresses: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const validation = yield* UserValidation.make(yield* UserDirectory, defaults, schedules(defaults).upstream)
    return yield* validation.resolve(addresses)
  })

describe("GraphUserDirectory.findUsers", () => {
  it.effect("1,000 addresses take one $batch of packed advanced `mail in` queries, each URL within 2,048 characters", () => {
    const users = Array.from({ length: 1000 }, (_, i) => user(i))
    const graph = fakeGraph(users)
    return Effect.gen(function*() {
      const found = yield* findUsers(users.map((u) => u.mail!.toUpperCase()))
      assert.strictEqual(found.size, 1000)
      assert.strictEqual(found.get("user.7@contoso.com")?.id, users[7]!.id)
      assert.strictEqual(graph.batches.length, 1)
      const requests = graph.batches[0]!
      // ~22-character addresses: about 75 per request instead of 15.
      assert.isAtMost(requests.length, 15)
      const asked: Array<string> = []
      for (const request of requests) {
        assert.deepStrictEqual(request.headers, { ConsistencyLevel: "eventual" })
        assert.isAtMost(`${GRAPH}${request.url}`.length, 2048)
        const params = new URL(`https://x${request.url}`).searchParams
        assert.strictEqual(params.get("$count"), "true")
        assert.strictEqual(params.get("$top"), "999")
        const { lists } = parseFilter(params.get("$filter")!)
        assert.deepStrictEqual(Object.keys(lists), ["mail"])
        asked.push(...lists["mail"]!)
      }
      assert.deepStrictEqual(asked, users.map((u) => u.mail!.toLowerCase()))
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("packed queries encode what a query component cannot carry plainly (+, &, #, %, spaces)", () => {
    const odd = ["a+b@contoso.com", "c&d@contoso.com", "e#f@contoso.com", "g%40h@contoso.com", "i'j@contoso.com"]
    const users = [...odd.map((mail, i) => ({ ...user(900 + i), mail })), ...Array.from({ length: 20 }, (_, i) => user(i))]
    const graph = fakeGraph(users)
    return Effect.gen(function*() {
      const found = yield* findUsers(users.map((u) => u.mail!))
      assert.strictEqual(found.size, 25)
      assert.strictEqual(graph.batches.length, 1)
      assert.strictEqual(found.get("g%40h@contoso.com")?.id, users[3]!.id)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("what the (eventually consistent) packed queries miss is asked again by default: mail, UPN, proxy", () => {
    const users = Array.from({ length: 20 }, (_, i) => user(i))
    // Not in the advanced index yet: only default queries see user 3.
    const graph = fakeGraph(users, { hiddenFromAdvanced: [users[3]!.id] })
    return Effect.gen(function*() {
      const found = yield* findUsers([...users.map((u) => u.mail!), "nobody@contoso.com"])
      assert.strictEqual(found.size, 20)
      assert.strictEqual(found.get("user.3@contoso.com")?.id, users[3]!.id)
      assert.strictEqual(graph.batches.length, 2)
      const second = graph.batches[1]!
      assert.isTrue(second.every((r) => r.headers === undefined))
      const filters = second.map((r) => parseFilter(new URL(`https://x${r.url}`).searchParams.get("$filter")!))
      const missed = ["user.3@contoso.com", "nobody@contoso.com"]
      assert.deepStrictEqual(filters.map((f) => f.lists["mail"] ?? f.lists["userPrincipalName"] ?? f.proxies), [
        missed,
        missed,
        missed.map((a) => `smtp:${a}`)
      ])
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("matches UPN, mail and secondary SMTP addresses case-insensitively; unknown addresses are absent", () => {
    const alice: User = {
      id: "a1",
      userPrincipalName: "a@contoso.onmicrosoft.com",
      mail: "Alice@contoso.com",
      displayName: "Alice",
      proxyAddresses: ["SMTP:Alice@contoso.com", "smtp:alias@contoso.com"]
    }
    const graph = fakeGraph([alice, { ...user(1), mail: null }])
    return Effect.gen(function*() {
      const found = yield* findUsers([" ALICE@contoso.com", "a@Contoso.onmicrosoft.com", "Alias@contoso.com", "nobody@contoso.com", "u1@contoso.onmicrosoft.com"])
      assert.deepStrictEqual([...found.keys()].sort(), ["a@contoso.onmicrosoft.com", "alias@contoso.com", "alice@contoso.com", "u1@contoso.onmicrosoft.com"])
      assert.deepStrictEqual(found.get("alias@contoso.com"), {
        id: "a1",
        userPrincipalName: "a@contoso.onmicrosoft.com",
        mail: "Alice@contoso.com",
        displayName: "Alice"
      })
      assert.strictEqual(found.get("u1@contoso.onmicrosoft.com")?.mail, null)
      // The second round asks UPN and proxy addresses only for what the `mail` round did not resolve
      // (Alice's UPN came back with her, so it is not asked again).
      assert.strictEqual(graph.batches.length, 2)
      const second = graph.batches[1]!.map((r) => parseFilter(new URL(`https://x${r.url}`).searchParams.get("$filter")!))
      const unresolved = ["alias@contoso.com", "nobody@contoso.com", "u1@contoso.onmicrosoft.com"]
      assert.deepStrictEqual(second[0]!.lists["userPrincipalName"], unresolved)
      assert.deepStrictEqual(second[1]!.proxies, unresolved.map((a) => `smtp:${a}`))
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("no addresses, no calls", () => {
    const graph = fakeGraph([])
    return Effect.gen(function*() {
      assert.strictEqual((yield* findUsers([])).size, 0)
      assert.strictEqual(graph.requests.length, 0)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a throttled inner request is retried alone, after its Retry-After", () => {
    const users = Array.from({ length: 300 }, (_, i) => user(i))
    const graph = fakeGraph(users, { throttleInner: { "2": 1 } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(findUsers(users.map((u) => u.mail!)))
      yield* TestClock.adjust("2900 millis")
      assert.strictEqual(graph.batches.length, 1)
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("100 millis")
      const found = yield* Fiber.join(fiber)
      assert.strictEqual(found.size, 300)
      assert.isAbove(graph.batches[0]!.length, 2)
      assert.deepStrictEqual(graph.batches.slice(1).map((b) => b.map((r) => r.id)), [["2"]])
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a $batch throttled as a whole while the lookup's other $batch gets through is re-sent alone, after its Retry-After", () => {
    const users = Array.from({ length: 2000 }, (_, i) => user(i))
    const graph = fakeGraph(users, { topLevel429: 1 })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(findUsers(users.map((u) => u.mail!)))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(graph.batches.length, 2)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).size, 2000)
      assert.strictEqual(graph.batches.length, 3)
      assert.deepStrictEqual(graph.batches[2], graph.batches[0])
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("every request of one $batch throttled while another $batch gets through: the throttled ones go again", () => {
    const users = Array.from({ length: 2000 }, (_, i) => user(i))
    const throttleInner = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [String(i + 1), 1]))
    const graph = fakeGraph(users, { throttleInner })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(findUsers(users.map((u) => u.mail!)))
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual((yield* Fiber.join(fiber)).size, 2000)
      assert.deepStrictEqual(graph.batches.map((b) => b.length), [20, graph.batches[1]!.length, 20])
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("an inner request throttled in a round without progress fails Transient with its Retry-After", () => {
    const graph = fakeGraph([user(1)], { throttleInner: { "1": 99 } })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(findUsers(["user.1@contoso.com"]))
      assert.strictEqual(error._tag, "UpstreamError")
      assert.strictEqual(error.reason._tag, "Transient")
      if (error.reason._tag === "Transient") {
        assert.strictEqual(error.reason.status, 429)
        assert.strictEqual(error.reason.retryAfterMillis, 3000)
      }
      // Nothing got through: re-sending is the caller's schedule's job, not a second loop here.
      assert.strictEqual(graph.batches.length, 1)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a throttled $batch fails Transient with its Retry-After at once: the adapter does not retry whole calls", () => {
    const graph = fakeGraph([user(1)], { topLevel429: 1 })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(findUsers(["user.1@contoso.com"]))
      assert.strictEqual(error.reason._tag, "Transient")
      if (error.reason._tag === "Transient") assert.strictEqual(error.reason.retryAfterMillis, 2000)
      assert.strictEqual(graph.batches.length, 1)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a throttled $batch is sent again by the application's schedule after the top-level Retry-After", () => {
    const graph = fakeGraph([user(1)], { topLevel429: 1 })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(resolve(["user.1@contoso.com"]))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(graph.batches.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).size, 1)
      assert.strictEqual(graph.batches.length, 2)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a $batch failing 424 as a whole (throttling, spec §2 conflict) is retried with back-off", () => {
    const graph = fakeGraph([user(1)], { topLevel424: 1 })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(resolve(["user.1@contoso.com"]))
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(fiber)).size, 1)
      assert.strictEqual(graph.batches.length, 2)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("403 is Forbidden with a hint about Graph application permissions", () => {
    const graph = fakeGraph([user(1)], { innerStatus: 403 })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(findUsers(["user.1@contoso.com"]))
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.match(error.message, /User\.Read\.All.*Directory\.Read\.All/)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a 401 drops the cached token and tries once more before failing Forbidden", () => {
    const graph = fakeGraph([user(1)], { topLevelStatus: 401 })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(findUsers(["user.1@contoso.com"]))
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.deepStrictEqual(graph.invalidated, ["graph"])
      assert.strictEqual(graph.batches.length, 2)
      assert.strictEqual(graph.requests[0]!.headers["authorization"], "Bearer token-for-graph")
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("a 400 on a lookup fails the whole call (no address is reported unknown by mistake)", () => {
    const graph = fakeGraph([user(1)], { innerStatus: 400 })
    return Effect.gen(function*() {
      const error = yield* Effect.flip(findUsers(["user.1@contoso.com"]))
      assert.strictEqual(error.reason._tag, "Failed")
      assert.match(error.message, /400/)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("quotes in addresses are escaped as OData literals", () => {
    const graph = fakeGraph([{ ...user(1), mail: "o'brien@contoso.com" }])
    return Effect.gen(function*() {
      const found = yield* findUsers(["O'Brien@contoso.com"])
      assert.strictEqual(found.size, 1)
      assert.include(decodeURIComponent(graph.batches[0]![0]!.url), "'o''brien@contoso.com'")
    }).pipe(Effect.provide(graph.layer))
  })
})

describe("GraphUserDirectory under sustained throttling, through the application's retry", () => {
  const attempts = defaults.upstream.attempts

  it.effect("every $batch answered 429: one POST per upstream attempt (8), each after its Retry-After", () => {
    const graph = fakeGraph([user(1)], { topLevel429: Number.POSITIVE_INFINITY })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(resolve(["user.1@contoso.com"])))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(graph.batches.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(graph.batches.length, 2)
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Transient")
      assert.strictEqual(graph.batches.length, attempts)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("every inner request answered 429: one POST per upstream attempt (8), each after its Retry-After", () => {
    const graph = fakeGraph([user(1)], { throttleInner: { "1": Number.POSITIVE_INFINITY } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(resolve(["user.1@contoso.com"])))
      yield* TestClock.adjust("2999 millis")
      assert.strictEqual(graph.batches.length, 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(graph.batches.length, 2)
      yield* TestClock.adjust("10 minutes")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Transient")
      assert.strictEqual(graph.batches.length, attempts)
    }).pipe(Effect.provide(graph.layer))
  })

  it.effect("one inner request of a big $batch throttled for good: its re-sends stay within INNER_ROUNDS per attempt", () => {
    const users = Array.from({ length: 300 }, (_, i) => user(i))
    const graph = fakeGraph(users, { throttleInner: { "2": Number.POSITIVE_INFINITY } })
    return Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Effect.flip(resolve(users.map((u) => u.mail!))))
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* Fiber.join(fiber)).reason._tag, "Transient")
      // Each attempt: the whole $batch, then request 2 alone (no progress: given up for this attempt).
      assert.strictEqual(graph.batches.length, attempts * 2)
      assert.isAtMost(graph.batches.length, attempts * INNER_ROUNDS)
      assert.deepStrictEqual(graph.batches[1]!.map((r) => r.id), ["2"])
    }).pipe(Effect.provide(graph.layer))
  })
})

describe("GraphUserDirectory.usersByIds", () => {
  it.effect("chunks ids by 1,000 per getByIds call, asks for users only, omits unknown ids and never sends a non-GUID", () => {
    const users = Array.from({ length: 2500 }, (_, i) => user(i))
    const graph = fakeGraph(users)
    return Effect.gen(function*() {
      const directory = yield* UserDirectory
      // "Adele Vance": a legacy Exchange Name; Graph answers 400 for a whole call with one such id
      const ids = [...users.map((u) => u.id), "ffffffff-0000-4000-8000-000000000000", "Adele Vance"]
      const found = yield* directory.usersByIds(ids)
      assert.deepStrictEqual(graph.getByIds.map((c) => c.length), [1000, 1000, 501])
      assert.isFalse(graph.getByIds.flat().includes("Adele Vance"))
      assert.strictEqual(found.size, 2500)
      assert.strictEqual(found.get(users[42]!.id)?.userPrincipalName, users[42]!.userPrincipalName)
      assert.isFalse(found.has("Adele Vance"))
      assert.deepStrictEqual(graph.requests.find((r) => r.url.endsWith("getByIds"))?.json.types, ["user"])
    }).pipe(Effect.provide(graph.layer))
  })
})
