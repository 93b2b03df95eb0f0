import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as Cloud from "../../../src/adapters/microsoft/Cloud.ts"
import * as Credentials from "../../../src/adapters/microsoft/Credentials.ts"
import * as Msal from "../../../src/adapters/microsoft/Msal.ts"

// Real msal-node against a plain-http token endpoint on 127.0.0.1: proves the authorityMetadata +
// knownAuthorities wiring (spec graph-and-identity.md §7.3/§7.4) without the sandbox.
const tenant = "3f1c5a7e-2b4d-4e6f-8a9c-0d1e2f3a4b5c"
const secret = "the-client-secret-value"
type Reply = { readonly status: number; readonly body: unknown }
let reply: Reply = { status: 200, body: {} }
// While set, requests are held unanswered (a token endpoint that never replies); `arrived` hears of each.
let silent = false
let arrived: (() => void) | undefined
const held: Array<ServerResponse> = []
const seen: Array<{ readonly method: string; readonly url: string; readonly body: URLSearchParams }> = []
let server: Server
let base = ""

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = ""
    req.on("data", (chunk) => (data += chunk))
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", body: new URLSearchParams(data) })
      arrived?.()
      if (silent) {
        held.push(res)
        return
      }
      res.writeHead(reply.status, { "content-type": "application/json" })
      res.end(JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  for (const res of held) res.destroy()
  return new Promise<void>((resolve) => server.close(() => resolve()))
})

const settings = (authorityHost = base) =>
  Cloud.settingsFrom({ TENANT_ID: tenant, CLIENT_ID: "app-id", AUTHORITY_HOST: authorityHost })
const secretCredential: Credentials.Credential = { _tag: "ClientSecret", clientId: "app-id", secret: Redacted.make(secret) }
const ok = { status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: "eyJ.sandbox.token" } }

describe("msal-node against a loopback identity endpoint", () => {
  it.live("a client secret gets a token with exactly one POST to {AUTHORITY_HOST}/{tenant}/oauth2/v2.0/token", () =>
    Effect.gen(function*() {
      reply = ok
      seen.length = 0
      const token = yield* Msal.make(yield* settings(), secretCredential).acquire("https://graph.microsoft.com/.default")
      assert.strictEqual(Redacted.value(token.token), "eyJ.sandbox.token")
      assert.isAbove(token.expiresOnMillis, Date.now() + 3_500_000)
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.match(seen[0]!.url, new RegExp(`^/${tenant}/oauth2/v2.0/token`))
      assert.strictEqual(seen[0]!.body.get("grant_type"), "client_credentials")
      assert.strictEqual(seen[0]!.body.get("scope"), "https://graph.microsoft.com/.default")
      assert.strictEqual(seen[0]!.body.get("client_secret"), secret)
    }))

  it.live("a certificate signs a client assertion for the loopback token endpoint", () =>
    Effect.gen(function*() {
      reply = ok
      seen.length = 0
      const path = new URL("./fixtures/test-certificate.pem", import.meta.url).pathname
      const credential = yield* Credentials.credentialFrom({ CLIENT_CERTIFICATE_PATH: path }, "app-id")
      yield* Msal.make(yield* settings(), credential).acquire("https://outlook.office365.com/.default")
      const assertion = seen[0]!.body.get("client_assertion")!
      assert.isNull(seen[0]!.body.get("client_secret"))
      const [header, payload] = assertion.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString()))
      if (credential._tag !== "Certificate") return assert.fail("expected a certificate credential")
      assert.strictEqual(Buffer.from(header["x5t#S256"], "base64url").toString("hex"), credential.thumbprintSha256)
      assert.strictEqual(payload.aud, `${base}/${tenant}/oauth2/v2.0/token`)
      assert.strictEqual(payload.iss, "app-id")
      readFileSync(path)
    }))

  it.live("AADSTS7000215 becomes Forbidden with a hint naming CLIENT_SECRET, never the secret", () =>
    Effect.gen(function*() {
      reply = {
        status: 401,
        body: {
          error: "invalid_client",
          error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2026-11-24 00:00:00Z",
          error_codes: [7000215],
          timestamp: "2026-11-24 00:00:00Z",
          trace_id: "t",
          correlation_id: "c"
        }
      }
      const error = yield* Effect.flip(Msal.make(yield* settings(), secretCredential).acquire("https://graph.microsoft.com/.default"))
      assert.strictEqual(error.reason._tag, "Forbidden")
      assert.match(error.message, /AADSTS7000215: invalid client secret for CLIENT_ID app-id.*CLIENT_SECRET/)
      assert.notInclude(JSON.stringify(error) + error.message, secret)
    }))

  it.live("AADSTS90002 names TENANT_ID", () =>
    Effect.gen(function*() {
      reply = { status: 400, body: { error: "invalid_tenant", error_description: "AADSTS90002: Tenant not found.", error_codes: [90002] } }
      const error = yield* Effect.flip(Msal.make(yield* settings(), secretCredential).acquire("https://graph.microsoft.com/.default"))
      assert.match(error.message, /AADSTS90002.*TENANT_ID/)
    }))

  it.live("a 503 from the token endpoint is Transient (also when msal's throttle cache answers)", () =>
    Effect.gen(function*() {
      reply = { status: 503, body: { error: "temporarily_unavailable", error_description: "AADSTS50196: busy", error_codes: [50196] } }
      const source = Msal.make(yield* settings(), secretCredential)
      const first = yield* Effect.flip(source.acquire("https://graph.microsoft.com/.default"))
      assert.strictEqual(first.reason._tag, "Transient")
      const second = yield* Effect.flip(source.acquire("https://graph.microsoft.com/.default"))
      assert.strictEqual(second.reason._tag, "Transient")
    }))

  it.live("an unreachable identity endpoint is Transient", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Msal.make(yield* settings("http://127.0.0.1:9"), secretCredential).acquire("https://graph.microsoft.com/.default")
      )
      assert.strictEqual(error.reason._tag, "Transient")
    }))

  it("the real clouds get the metadata msal hardcodes, over https", () => {
    const authority = Msal.msalAuthority({
      cloud: "global",
      tenantId: tenant,
      clientId: "app",
      authorityHost: "https://login.microsoftonline.com",
      graphBaseUrl: "",
      exchangeBaseUrl: "",
      graphScope: "",
      exchangeScope: ""
    })
    assert.strictEqual(authority.authority, `https://login.microsoftonline.com/${tenant}`)
    assert.deepStrictEqual(authority.knownAuthorities, ["login.microsoftonline.com"])
    assert.strictEqual(
      JSON.parse(authority.authorityMetadata).token_endpoint,
      `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`
    )
  })

  it.effect("a token endpoint that never answers fails as a 504 after TOKEN_TIMEOUT instead of hanging", () =>
    Effect.gen(function*() {
      silent = true
      const reached = yield* Deferred.make<void>()
      arrived = () => Deferred.doneUnsafe(reached, Effect.void)
      const fiber = yield* Effect.forkChild(
        Effect.flip(Msal.make(yield* settings(), secretCredential).acquire("https://graph.microsoft.com/.default"))
      )
      yield* Deferred.await(reached)
      yield* TestClock.adjust(Duration.subtract(Msal.TOKEN_TIMEOUT, Duration.millis(1)))
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error.reason._tag, "Transient")
      assert.strictEqual(error.message, "Tokens.acquire: upstream temporarily unavailable (504)")
    }).pipe(Effect.ensuring(Effect.sync(() => {
      silent = false
      arrived = undefined
      for (const res of held.splice(0)) res.destroy()
    }))))
})
