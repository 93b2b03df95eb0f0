import { afterAll, assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, type Duration, Effect, Exit, Fiber, Layer, Logger, Option, Result, Scope } from "effect"
import { TestClock } from "effect/testing"
import * as RedisListLeases from "../../../src/adapters/redis/RedisListLeases.ts"
import * as RedisUrl from "../../../src/adapters/redis/RedisUrl.ts"
import * as DistributionLists from "../../../src/application/DistributionLists.ts"
import { ListLeases, type ListLeasesShape } from "../../../src/application/ports/ListLeases.ts"
import * as Settings from "../../../src/application/Settings.ts"
import * as FakeTenant from "../../support/FakeTenant.ts"
import * as ListLocks from "../../../src/application/ListLocks.ts"
import { closedPort, ioTurn, redisCommand, redisUrl, removeKeys, runPrefix, startHungRedis, testPrefix } from "../http/auth/RedisFixtures.ts"

afterAll(() => removeKeys(runPrefix))

const target = Result.getOrThrow(RedisUrl.parseRedisUrl(redisUrl))

/**
 * One instance's leases (its own connection), closed with the test. The test clock moves while Redis
 * answers in real time: the call timeout is out of its reach unless a test sets one.
 */
const instance = (prefix: string, options: RedisListLeases.LeaseOptions = {}, at = target) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(RedisListLeases.layerRedis(at, { prefix, timeout: "1 day", ...options }))
    return Context.get(context, ListLeases)
  })

/**
 * The test clock moves `step` at a time, with event-loop turns between (Redis answers), until `done`. A PING
 * of our own after each step: Redis answers commands in the order they arrive, so the leases' command sent
 * at that step has its answer by then, however busy the machine (a fixed number of turns was not enough
 * under the full suite).
 */
const advanceUntil = (done: () => boolean, step: Duration.Input = "100 millis", steps = 200) =>
  Effect.gen(function*() {
    for (let i = 0; i < steps && !done(); i++) {
      yield* TestClock.adjust(step)
      yield* redisCommand("PING")
      for (let turn = 0; turn < 20 && !done(); turn++) yield* ioTurn
    }
    return done()
  })

const holding = (leases: ListLeasesShape, key: string) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Scope.provide(leases.hold(key), scope)
    return scope
  })

const capture = (): { readonly lines: Array<string>; readonly layer: Layer.Layer<never> } => {
  const lines: Array<string> = []
  return { lines, layer: Logger.layer([Logger.make(({ message }) => lines.push(String(message)))]) }
}

describe("RedisListLeases", () => {
  it.effect("a second instance waits for the list until the first frees it; another list does not wait", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const a = yield* instance(prefix)
      const b = yield* instance(prefix)
      const first = yield* holding(a, "sales")
      let granted = false
      const waiting = yield* Effect.scoped(b.hold("sales")).pipe(
        Effect.andThen(Effect.sync(() => (granted = true))),
        Effect.forkChild
      )
      assert.isFalse(yield* advanceUntil(() => granted, "100 millis", 30))
      yield* Effect.scoped(b.hold("marketing"))
      yield* Scope.close(first, Exit.void)
      assert.isTrue(yield* advanceUntil(() => granted))
      yield* Fiber.join(waiting)
      // freed by its holder: nothing left behind
      assert.isNull(yield* redisCommand<string | null>("GET", `${prefix}sales`))
    }))

  it.effect("a lease is renewed while its change runs, and lapses when its holder is gone", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const a = yield* instance(prefix, { ttl: "60 seconds" })
      yield* holding(a, "sales")
      const pttl = () => redisCommand<number>("PTTL", `${prefix}sales`)
      assert.isAbove(yield* pttl(), 50_000)
      yield* redisCommand("PEXPIRE", `${prefix}sales`, "5000")
      assert.isAtMost(yield* pttl(), 5_000)
      // renewed every 20 s of the test clock
      let renewed = false
      yield* TestClock.adjust("20 seconds")
      for (let turn = 0; turn < 1_000 && !renewed; turn++) {
        yield* ioTurn
        renewed = (yield* pttl()) > 50_000
      }
      assert.isTrue(renewed)
    }))

  it.effect("a lease that lapsed and went to another instance is neither renewed nor freed by its former holder", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const { layer, lines } = capture()
      const a = yield* instance(prefix, { ttl: "3 seconds" }).pipe(Effect.provide(layer))
      const first = yield* holding(a, "sales").pipe(Effect.provide(layer))
      yield* redisCommand("SET", `${prefix}sales`, "another-instance", "PX", "60000")
      const lapsed = "List leases: a lease lapsed while its change was under way"
      assert.isTrue(yield* advanceUntil(() => lines.includes(lapsed), "1 second", 10))
      yield* Scope.close(first, Exit.void)
      for (let turn = 0; turn < 20; turn++) yield* ioTurn
      assert.strictEqual(yield* redisCommand<string>("GET", `${prefix}sales`), "another-instance")
    }))

  it.effect("Redis unreachable: leases are granted at once, with one warning a minute", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const down = Result.getOrThrow(RedisUrl.parseRedisUrl(`redis://127.0.0.1:${port}/0`))
      const { layer, lines } = capture()
      yield* Effect.gen(function*() {
        const leases = yield* instance(testPrefix(), {}, down)
        yield* Effect.scoped(leases.hold("sales"))
        yield* Effect.scoped(leases.hold("sales"))
        const warning = "List leases: Redis unreachable; changes to a list wait only for this instance's"
        assert.deepStrictEqual(lines.filter((line) => line === warning), [warning])
        yield* TestClock.adjust("61 seconds")
        yield* Effect.scoped(leases.hold("sales"))
        assert.strictEqual(lines.filter((line) => line === warning).length, 2)
      }).pipe(Effect.provide(layer))
    }))

  it.effect("Redis slow to answer: the change goes ahead after the timeout, and the lease it may yet get is freed", () =>
    Effect.gen(function*() {
      const hung = yield* startHungRedis("set")
      const { layer, lines } = capture()
      yield* Effect.gen(function*() {
        const at = Result.getOrThrow(RedisUrl.parseRedisUrl(hung.url))
        const leases = yield* instance(testPrefix(), { timeout: "400 millis" }, at)
        const change = yield* Effect.scoped(leases.hold("sales")).pipe(Effect.forkChild)
        yield* Effect.promise(() => hung.stalled)
        yield* TestClock.adjust("399 millis")
        assert.isUndefined(change.pollUnsafe())
        yield* TestClock.adjust("1 millis")
        // the SET may still be applied once Redis answers: the release (a script) is sent after it
        const released = () => hung.ignored.some((verb) => /^(EVAL|EVALSHA|SCRIPT)$/.test(verb))
        for (let turn = 0; turn < 1_000 && !released(); turn++) yield* ioTurn
        assert.strictEqual(hung.ignored[0], "SET")
        assert.isTrue(released())
        yield* TestClock.adjust("400 millis")
        yield* Fiber.join(change)
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(lines, [
        "List leases: shared with other instances in Redis",
        "List leases: Redis unreachable; changes to a list wait only for this instance's"
      ])
    }))

  it.effect("a change waiting for another instance's lease is dropped when its caller goes away", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const holder = yield* instance(prefix)
      yield* holding(holder, "contoso.example/sales")
      const oneAtATime = ListLocks.make("contoso.example", yield* instance(prefix))
      let ran = false
      // as the handlers run a change: uninterruptible once started
      const waiting = yield* Effect.uninterruptible(oneAtATime("sales", Effect.sync(() => (ran = true)))).pipe(
        Effect.forkChild
      )
      assert.isFalse(yield* advanceUntil(() => ran, "100 millis", 10))
      yield* Fiber.interrupt(waiting)
      assert.isFalse(ran)
    }))

  it.effect("two instances' PATCHes of one list at once: the list ends as the later one asked", () =>
    Effect.gen(function*() {
      const prefix = testPrefix()
      const users = ["owner", "a", "b", "c"].map((name) => FakeTenant.user(name))
      const address = (name: string) => `${name}@contoso.example`
      const tenantContext = yield* Layer.build(FakeTenant.layer(users))
      const tenant = Context.get(tenantContext, FakeTenant.FakeTenant)
      const serviceOn = (leases: Layer.Layer<never>) =>
        Effect.map(
          Layer.build(DistributionLists.layerNoDeps.pipe(
            Layer.provide(Layer.mergeAll(leases, Layer.succeedContext(tenantContext), Settings.layerWith({})))
          )),
          (context) => Context.get(context, DistributionLists.DistributionLists)
        )
      const one = yield* serviceOn(RedisListLeases.layerRedis(target, { prefix, timeout: "1 day" }))
      const other = yield* serviceOn(RedisListLeases.layerRedis(target, { prefix, timeout: "1 day" }))
      const dl = FakeTenant.seedGroup(tenant, { alias: "race", ownerIds: ["id-owner"], members: [address("owner"), address("a")] })
      // the first member add waits 1 s (a 429 with Retry-After): long enough for the other PATCH to overlap it
      FakeTenant.failNext(tenant, "addMembers", FakeTenant.transient("addMembers", 1000))
      const first = yield* Effect.forkChild(one.update("race", { memberEmails: [address("b")] }, {}))
      let leased = false
      for (let turn = 0; turn < 1_000 && !leased; turn++) {
        yield* ioTurn
        leased = Option.isSome(Option.fromNullishOr(yield* redisCommand<string | null>("GET", `${prefix}contoso.example/race`)))
      }
      assert.isTrue(leased)
      const later = yield* Effect.forkChild(other.update(" RACE", { memberEmails: [address("c")] }, {}))
      assert.isTrue(yield* advanceUntil(() => first.pollUnsafe() !== undefined && later.pollUnsafe() !== undefined))
      yield* Fiber.join(first)
      yield* Fiber.join(later)
      // interleaved, both would have applied their own changes: owner, b and c
      const members = [...tenant.groups.get(dl.identity)!.members].sort()
      assert.deepStrictEqual(members, [address("c"), address("owner")])
    }))
})

describe("RedisListLeases.layerConfig", () => {
  const configured = (env: Record<string, string>) =>
    RedisUrl.config("LIST_LOCK_REDIS_URL", "RATE_LIMIT_REDIS_URL").pipe(
      Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env)))
    )

  it.effect("LIST_LOCK_REDIS_URL, else RATE_LIMIT_REDIS_URL, else none; an invalid value names its variable only", () =>
    Effect.gen(function*() {
      const host = (env: Record<string, string>) => Effect.map(configured(env), Option.map((target) => target.display))
      assert.deepStrictEqual(yield* host({}), Option.none())
      assert.deepStrictEqual(yield* host({ RATE_LIMIT_REDIS_URL: "redis://shared:6379" }), Option.some("redis://shared:6379/0"))
      assert.deepStrictEqual(
        yield* host({ RATE_LIMIT_REDIS_URL: "redis://shared:6379", LIST_LOCK_REDIS_URL: "redis://locks:6380/1" }),
        Option.some("redis://locks:6380/1")
      )
      const error = yield* Effect.flip(configured({ RATE_LIMIT_REDIS_URL: "http://user:s3cret@host" }))
      assert.include(String(error), "RATE_LIMIT_REDIS_URL: unsupported scheme")
      assert.notInclude(String(error), "s3cret")
    }))
})
