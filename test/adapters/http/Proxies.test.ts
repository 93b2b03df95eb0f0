import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import { parseNetwork, trustedProxies } from "../../../src/adapters/http/Proxies.ts"
import { key, makeApp, remoteAddressHeader } from "./auth/Harness.ts"

const read = (value: string) =>
  trustedProxies.parse(ConfigProvider.fromUnknown({ TRUSTED_PROXIES: value })).pipe(
    Effect.map((networks) => networks.length),
    Effect.catch((error) => Effect.succeed(String(error)))
  )

describe("TRUSTED_PROXIES", () => {
  it("takes networks and single addresses, IPv4 and IPv6", () => {
    for (const entry of ["10.0.0.0/8", "192.0.2.7", "fd00::/8", "2001:db8::1"]) assert.isDefined(parseNetwork(entry), entry)
    for (const entry of ["10.0.0.0/33", "proxy.local", "1.2.3", "0.0.0.0/0", "::/0"]) assert.isUndefined(parseNetwork(entry), entry)
  })

  it("takes an IPv4-mapped entry as the IPv4 address or network it maps (peers are matched as IPv4)", () => {
    assert.deepStrictEqual(parseNetwork("::ffff:10.0.0.1"), parseNetwork("10.0.0.1"))
    assert.deepStrictEqual(parseNetwork("::FFFF:10.0.0.0/104"), parseNetwork("10.0.0.0/8"))
  })

  it.effect("an invalid entry stops start-up naming the variable and the entry", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* read(" 10.0.0.0/8, 192.0.2.7 "), 2)
      assert.strictEqual(yield* read(""), 0)
      assert.match(String(yield* read("10.0.0.0/8, proxy.local")), /TRUSTED_PROXIES: not a proxy network or address: proxy\.local/)
    }))
})

describe("failed authentications behind a trusted proxy", () => {
  type Request = Effect.Success<ReturnType<typeof makeApp>>["request"]
  const failures = (request: Request, peer: string, client: string, n: number) =>
    Effect.forEach(Array.from({ length: n }), () =>
      Effect.map(
        request("GET", "/api/dl/bobs-team", { headers: { ...key("wrong-key-0123456789abcdef"), [remoteAddressHeader]: peer, "x-forwarded-for": client } }),
        (reply) => reply.status
      ))

  it.effect("count per real client (X-Forwarded-For) when the peer is a trusted proxy", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "2", TRUSTED_PROXIES: "10.0.0.0/8" })
      assert.deepStrictEqual(yield* failures(request, "10.0.0.1", "198.51.100.7", 3), [401, 401, 429])
      // another client behind the same proxy has its own budget
      assert.deepStrictEqual(yield* failures(request, "10.0.0.1", "198.51.100.8", 2), [401, 401])
    }))

  it.effect("ignore X-Forwarded-For from anyone else (it could be forged), and without TRUSTED_PROXIES", () =>
    Effect.gen(function*() {
      const trusting = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "2", TRUSTED_PROXIES: "10.0.0.0/8" })
      const rotating = [
        ...(yield* failures(trusting.request, "203.0.113.9", "198.51.100.1", 1)),
        ...(yield* failures(trusting.request, "203.0.113.9", "198.51.100.2", 1)),
        ...(yield* failures(trusting.request, "203.0.113.9", "198.51.100.3", 1))
      ]
      assert.deepStrictEqual(rotating, [401, 401, 429])
      const plain = yield* makeApp([], { RATE_LIMIT_PER_MINUTE: "2" })
      assert.deepStrictEqual([
        ...(yield* failures(plain.request, "10.0.0.1", "198.51.100.1", 1)),
        ...(yield* failures(plain.request, "10.0.0.1", "198.51.100.2", 2))
      ], [401, 401, 429])
    }))
})
