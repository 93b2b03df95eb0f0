import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { actionOf, rateLimitConfig } from "../../../../src/adapters/http/auth/Authenticate.ts"
import { Failed, UpstreamError } from "../../../../src/application/ports/UpstreamError.ts"
import { readConfig } from "../../../support/ConfigFrom.ts"
import { appToken, makeKey, objectIdOf, userToken } from "./FakeTenant.ts"
import { adminKey, ambiguousId, bearer, key, makeApp, readerKey, type Reply, writerKey } from "./Harness.ts"

const created = { name: "New Team", ownerEmails: ["jane@contoso.example"] }
const members = { memberEmails: ["m1@contoso.example"] }

const assertError = (reply: Reply, status: number, error: string) => {
  assert.strictEqual(reply.status, status, reply.text)
  assert.strictEqual(reply.json?.error, error)
  assert.isString(reply.json?.details)
  assert.deepStrictEqual(Object.keys(reply.json).sort(), ["details", "error"])
}

describe("actionOf", () => {
  it("derives the action from method and path", () => {
    assert.strictEqual(actionOf("GET", "/api/dl/:dlId"), "read")
    assert.strictEqual(actionOf("POST", "/api/dl"), "create")
    assert.strictEqual(actionOf("PATCH", "/api/dl/:dlId"), "update")
    assert.strictEqual(actionOf("DELETE", "/api/dl/:dlId"), "delete")
    assert.strictEqual(actionOf("POST", "/api/dl/:dlId/members"), "addMembers")
    assert.strictEqual(actionOf("DELETE", "/api/dl/:dlId/members"), "removeMembers")
  })
})

describe("Authentication: who may call", () => {
  it.effect("public endpoints stay public", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      assert.strictEqual((yield* request("GET", "/healthz")).status, 200)
      assert.strictEqual((yield* request("GET", "/readyz")).status, 200)
      const openapi = yield* request("GET", "/openapi.json")
      assert.strictEqual(openapi.status, 200)
      assert.deepStrictEqual(Object.keys(openapi.json.components.securitySchemes).sort(), ["apiKey", "bearer"])
      assert.deepStrictEqual(openapi.json.components.securitySchemes.apiKey, {
        type: "apiKey",
        name: "X-API-Key",
        in: "header",
        description: "An API key configured in API_KEYS."
      })
    }))

  it.effect("no credentials: 401 in the standard body with a WWW-Authenticate challenge for both schemes", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      for (const [method, path] of [["GET", "/api/dl/janes-team"], ["POST", "/api/dl"], ["DELETE", "/api/dl/x"]]) {
        const reply = yield* request(method!, path!, method === "POST" ? { body: created } : {})
        assertError(reply, 401, "Unauthorized")
        const challenge = reply.headers.get("www-authenticate") ?? ""
        assert.match(challenge, /^Bearer realm="distribution-list-api"/)
        assert.include(challenge, `authorization_uri="https://login.example.test/`)
        assert.include(challenge, `ApiKey realm="distribution-list-api", header="X-API-Key"`)
        assert.notInclude(challenge, "invalid_token")
        assert.isNotNull(reply.headers.get("x-request-id"))
      }
      assertError(yield* request("GET", "/api/dl/a", { headers: { authorization: "Basic dXNlcjpwYXNz" } }), 401, "Unauthorized")
    }))

  it.effect("API keys: a good one passes, a bad one is a 401", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      assert.strictEqual((yield* request("GET", "/api/dl/janes-team", { headers: key(readerKey) })).status, 200)
      const bad = yield* request("GET", "/api/dl/janes-team", { headers: key(readerKey.slice(0, -1) + "X") })
      assertError(bad, 401, "Unauthorized")
      assert.strictEqual(bad.json.details, "The API key is not valid.")
    }))

  it.effect("role boundaries: reader reads, writer writes but cannot delete, admin deletes", () =>
    Effect.gen(function*() {
      const { request } = yield* makeApp([])
      const as = (value: string) => ({ headers: key(value) })
      assertError(yield* request("POST", "/api/dl", { body: created, ...as(readerKey) }), 403, "Forbidden")
      assertError(yield* request("POST", "/api/dl/janes-team/members", { body: members, ...as(readerKey) }), 403, "Forbidden")
      assertError(yield* request("PATCH", "/api/dl/janes-team", { body: { displayName: "X" }, ...as(readerKey) }), 403, "Forbidden")
      assert.strictEqual((yield* request("POST", "/api/dl", { body: created, ...as(writerKey) })).status, 201)
      assert.strictEqual((yield* request("PATCH", "/api/dl/bobs-team", { body: { displayName: "X" }, ...as(writerKey) })).status, 200)
      assert.strictEqual((yield* request("DELETE", "/api/dl/bobs-team/members", { body: members, ...as(writerKey) })).status, 200)
      const denied = yield* request("DELETE", "/api/dl/bobs-team", as(writerKey))
      assertError(denied, 403, "Forbidden")
      assert.strictEqual(denied.json.details, "The 'delete' operation requires the admin role.")
      assert.strictEqual((yield* request("DELETE", "/api/dl/bobs-team", as(adminKey))).status, 200)
    }))

  it.effect("app tokens: app roles map to reader, writer and admin; no role is a 403", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { request } = yield* makeApp([signing])
      const as = (token: string) => ({ headers: bearer(token) })
      const reader = yield* appToken(signing, ["DL.Read.All"])
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", as(reader))).status, 200)
      assertError(yield* request("POST", "/api/dl", { body: created, ...as(reader) }), 403, "Forbidden")
      const writer = yield* appToken(signing, ["DL.ReadWrite.All"])
      assert.strictEqual((yield* request("POST", "/api/dl", { body: created, ...as(writer) })).status, 201)
      assertError(yield* request("DELETE", "/api/dl/bobs-team", as(writer)), 403, "Forbidden")
      const admin = yield* appToken(signing, ["DL.Admin"])
      assert.strictEqual((yield* request("DELETE", "/api/dl/bobs-team", as(admin))).status, 200)
      assertError(yield* request("GET", "/api/dl/bobs-team", as(yield* appToken(signing, []))), 403, "Forbidden")
    }))

  it.effect("bad tokens are 401s with error=\"invalid_token\" in the challenge", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const stranger = yield* makeKey("k2")
      const { request } = yield* makeApp([signing])
      const cases = [
        [yield* appToken(signing, ["DL.Admin"], { expiresIn: -600 }), "The access token has expired."],
        [yield* appToken(signing, ["DL.Admin"], { notBefore: 600 }), "The access token is not yet valid."],
        [yield* appToken(signing, ["DL.Admin"], { aud: "api://other" }), "The access token was not issued for this API."],
        [
          yield* appToken(signing, ["DL.Admin"], { iss: "https://sts.windows.net/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/" }),
          "The access token was not issued by this API's tenant."
        ],
        [yield* appToken(stranger, ["DL.Admin"]), "The access token is signed by an unknown key."],
        [yield* appToken(stranger, ["DL.Admin"], { kid: "k1" }), "The access token signature is invalid."],
        ["garbage", "The access token is malformed."]
      ] as const
      for (const [token, details] of cases) {
        const reply = yield* request("GET", "/api/dl/bobs-team", { headers: bearer(token) })
        assertError(reply, 401, "Unauthorized")
        assert.strictEqual(reply.json.details, details)
        const challenge = reply.headers.get("www-authenticate") ?? ""
        assert.include(challenge, `error="invalid_token", error_description="${details}"`)
      }
    }))

  it.effect("an unreachable tenant answers 503, not 401", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { directory, request } = yield* makeApp([signing])
      directory.state.down = true
      const reply = yield* request("GET", "/api/dl/bobs-team", { headers: bearer(yield* appToken(signing, ["DL.Admin"])) })
      assertError(reply, 503, "Service Unavailable")
    }))
})

describe("Authentication: owner self-service (delegated user tokens)", () => {
  const setup = Effect.gen(function*() {
    const signing = yield* makeKey("k1")
    const app = yield* makeApp([signing])
    const jane = { headers: bearer(yield* userToken(signing, "jane@contoso.example")) }
    return { ...app, jane, signing }
  })

  it.effect("reads and changes own lists, members included", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      assert.strictEqual((yield* request("GET", "/api/dl/janes-team", jane)).status, 200)
      assert.strictEqual((yield* request("PATCH", "/api/dl/janes-team", { body: { displayName: "J" }, ...jane })).status, 200)
      assert.strictEqual((yield* request("POST", "/api/dl/janes-team/members", { body: members, ...jane })).status, 200)
      assert.strictEqual((yield* request("DELETE", "/api/dl/janes-team/members", { body: members, ...jane })).status, 200)
    }))

  it.effect("a read role does not take self-service away: she reads every list and still changes her own", () =>
    Effect.gen(function*() {
      const { request, signing } = yield* setup
      const token = yield* userToken(signing, "jane@contoso.example", {
        claims: { scp: "DL.ReadWrite", roles: ["DL.Read.All"], upn: "jane@contoso.example", oid: objectIdOf("jane@contoso.example") }
      })
      const jane = { headers: bearer(token) }
      assert.strictEqual((yield* request("GET", "/api/dl/bobs-team", jane)).status, 200)
      assert.strictEqual((yield* request("POST", "/api/dl/janes-team/members", { body: members, ...jane })).status, 200)
      assert.strictEqual((yield* request("PATCH", "/api/dl/janes-team", { body: { ownerEmails: ["jane@contoso.example"] }, ...jane })).status, 200)
      assertError(yield* request("POST", "/api/dl/bobs-team/members", { body: members, ...jane }), 403, "Forbidden")
      // the owner rules hold for her as for a user without a role
      assertError(yield* request("PATCH", "/api/dl/janes-team", { body: { ownerEmails: ["bob@contoso.example"] }, ...jane }), 403, "Forbidden")
      assertError(yield* request("POST", "/api/dl", { body: { name: "Bobs Other", ownerEmails: ["bob@contoso.example"] }, ...jane }), 403, "Forbidden")
      assertError(yield* request("DELETE", "/api/dl/janes-team", jane), 403, "Forbidden")
    }))

  it.effect("may not read or change the lists of others", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      assertError(yield* request("GET", "/api/dl/bobs-team", jane), 403, "Forbidden")
      assertError(yield* request("GET", "/api/dl/bobs-team?membersPageSize=1", jane), 403, "Forbidden")
      assertError(yield* request("PATCH", "/api/dl/bobs-team", { body: { displayName: "J" }, ...jane }), 403, "Forbidden")
      assertError(yield* request("POST", "/api/dl/bobs-team/members", { body: members, ...jane }), 403, "Forbidden")
      assertError(yield* request("DELETE", "/api/dl/bobs-team/members", { body: members, ...jane }), 403, "Forbidden")
    }))

  it.effect("may not delete, not even an own list", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      assertError(yield* request("DELETE", "/api/dl/janes-team", jane), 403, "Forbidden")
    }))

  it.effect("creates lists only with themselves among the owners", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      const own = { name: "Mine", ownerEmails: ["bob@contoso.example", "JANE@contoso.example"] }
      assert.strictEqual((yield* request("POST", "/api/dl", { body: own, ...jane })).status, 201)
      const forOthers = { name: "Theirs", ownerEmails: ["bob@contoso.example"] }
      assertError(yield* request("POST", "/api/dl", { body: forOthers, ...jane }), 403, "Forbidden")
      assertError(yield* request("POST", "/api/dl", { body: "{not json", ...jane }), 403, "Forbidden")
    }))

  it.effect("may not hand an own list over to others", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      const reply = yield* request("PATCH", "/api/dl/janes-team", { body: { ownerEmails: ["bob@contoso.example"] }, ...jane })
      assertError(reply, 403, "Forbidden")
      assert.strictEqual(reply.json.details, "You may not remove yourself from the owners of a distribution list.")
    }))

  it.effect("an unknown list is the endpoint's own 404", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      assert.strictEqual((yield* request("GET", "/api/dl/nobodys-team", jane)).status, 404)
    }))

  it.effect("an id naming several lists is the endpoint's own 409, not a 503 from the owner check", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      assertError(yield* request("GET", `/api/dl/${ambiguousId}`, jane), 409, "Ambiguous Distribution List identifier")
      const reply = yield* request("POST", `/api/dl/${ambiguousId}/members`, { body: members, ...jane })
      assertError(reply, 409, "Ambiguous Distribution List identifier")
      assert.match(reply.json.details, /primary SMTP address or its id/)
    }))

  it.effect("fails closed: a list the owner check cannot find is not changed, even if it shows up later", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      const reply = yield* request("PATCH", "/api/dl/nobodys-team", { body: { ownerEmails: ["jane@contoso.example"] }, ...jane })
      assertError(reply, 404, "Distribution List not found")
    }))

  it.effect("ownership is decided on the token's oid: another sign-in name of hers is still her, her name on another oid is not", () =>
    Effect.gen(function*() {
      const { request, signing } = yield* setup
      const otherName = yield* userToken(signing, "jane.doe@fabrikam.example", { claims: { scp: "DL.ReadWrite", upn: "jane.doe@fabrikam.example", oid: "ID-JANE" } })
      assert.strictEqual((yield* request("GET", "/api/dl/janes-team", { headers: bearer(otherName) })).status, 200)
      const impostor = yield* userToken(signing, "jane@contoso.example", { claims: { scp: "DL.ReadWrite", upn: "jane@contoso.example", oid: "id-eve" } })
      assertError(yield* request("GET", "/api/dl/janes-team", { headers: bearer(impostor) }), 403, "Forbidden")
    }))

  it.effect("names herself among the owners by another of her addresses: looked up in the directory, then allowed", () =>
    Effect.gen(function*() {
      const { jane, request } = yield* setup
      const byOtherAddress = { name: "Mine", ownerEmails: ["bob@contoso.example", "Jane.Doe@fabrikam.example"] }
      assert.strictEqual((yield* request("POST", "/api/dl", { body: byOtherAddress, ...jane })).status, 201)
      const keep = { ownerEmails: ["jane.doe@fabrikam.example"] }
      assert.strictEqual((yield* request("PATCH", "/api/dl/janes-team", { body: keep, ...jane })).status, 200)
      const handOver = yield* request("PATCH", "/api/dl/janes-team", { body: { ownerEmails: ["bob@contoso.example", "nobody@contoso.example"] }, ...jane })
      assert.strictEqual(handOver.json.details, "You may not remove yourself from the owners of a distribution list.")
    }))

  it.effect("a directory that cannot answer the owner lookup is a 503, never a pass, logged as the seed's ERROR", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const down = () => Effect.fail(new UpstreamError({ operation: "findUsers", reason: new Failed({ detail: "down" }) }))
      const { logs, request } = yield* makeApp([signing], {}, {}, { userIds: down, owners: down })
      const jane = { headers: bearer(yield* userToken(signing, "jane@contoso.example")) }
      const reply = yield* request("POST", "/api/dl", { body: { name: "Mine", ownerEmails: ["jane.doe@fabrikam.example"] }, ...jane })
      assertError(reply, 503, "Service Unavailable")
      // named by her sign-in name too: a token's name proves nothing without the lookup
      assertError(yield* request("POST", "/api/dl", { body: created, ...jane }), 503, "Service Unavailable")
      // nor can the owners of a list be read
      assertError(yield* request("PATCH", "/api/dl/janes-team", { body: members, ...jane }), 503, "Service Unavailable")
      const failures = logs.filter((line) => ["Owner lookup failed", "Owner check failed"].includes(String(line.message)))
      assert.deepStrictEqual(failures.map((line) => [String(line.message), line.level]), [
        ["Owner lookup failed", "Error"],
        ["Owner lookup failed", "Error"],
        ["Owner check failed", "Error"]
      ])
    }))

  it.effect("a token whose name claim is another's (renamed user, address handed on) cannot make lists for that one", () =>
    Effect.gen(function*() {
      const { request, signing } = yield* setup
      // eve's oid, jane's old sign-in name: the directory says jane@ is id-jane, not eve
      const eve = yield* userToken(signing, "jane@contoso.example", { claims: { scp: "DL.ReadWrite", upn: "jane@contoso.example", oid: "id-eve" } })
      const reply = yield* request("POST", "/api/dl", { body: created, headers: bearer(eve) })
      assertError(reply, 403, "Forbidden")
    }))

  it.effect("only a few email addresses are ever looked up: nothing reaches the directory for a body that cannot pass", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const looked: Array<ReadonlyArray<string>> = []
      const { request } = yield* makeApp([signing], {}, {}, {
        userIds: (addresses) => Effect.sync(() => (looked.push(addresses), []))
      })
      const jane = { headers: bearer(yield* userToken(signing, "jane@contoso.example")) }
      const junk = { name: "", ownerEmails: ["jane@contoso.example", "x".repeat(40_000)] }
      assertError(yield* request("POST", "/api/dl", { body: junk, ...jane }), 403, "Forbidden")
      const many = { name: "Many", ownerEmails: Array.from({ length: 21 }, (_, i) => `u${i}@contoso.example`) }
      const reply = yield* request("POST", "/api/dl", { body: many, ...jane })
      assert.match(reply.json.details, /at most 20 owners/)
      assert.deepStrictEqual(looked, [])
      yield* request("POST", "/api/dl", { body: { name: "Mine", ownerEmails: [" Jane@contoso.example "] }, ...jane })
      assert.deepStrictEqual(looked, [["jane@contoso.example"]])
    }))

  it.effect("the endpoint acts only on the list the owner check was made on; other callers set no such bound", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const seen: Array<string | undefined> = []
      const { request } = yield* makeApp([signing], {}, {}, {
        update: (dlId, _body, hints) => Effect.sync(() => (seen.push(hints.checkedList), { message: `'${dlId}' updated` }))
      })
      const jane = { headers: bearer(yield* userToken(signing, "jane@contoso.example")) }
      assert.strictEqual((yield* request("PATCH", "/api/dl/janes-team", { body: { displayName: "J" }, ...jane })).status, 200)
      assert.strictEqual((yield* request("PATCH", "/api/dl/janes-team", { body: { displayName: "J" }, headers: key(adminKey) })).status, 200)
      assert.deepStrictEqual(seen, ["guid-janes-team", undefined])
    }))

  it.effect("a user token without DL.ReadWrite may do nothing", () =>
    Effect.gen(function*() {
      const { request, signing } = yield* setup
      const token = yield* userToken(signing, "jane@contoso.example", { claims: { scp: "User.Read", upn: "jane@contoso.example" } })
      assertError(yield* request("GET", "/api/dl/janes-team", { headers: bearer(token) }), 403, "Forbidden")
    }))
  it.effect("owners named as 'Name <address>' are read as the endpoint reads them: a self-service create and PATCH naming oneself so pass", () =>
    Effect.gen(function*() {
      const signing = yield* makeKey("k1")
      const { request } = yield* makeApp([signing])
      const jane = { headers: bearer(yield* userToken(signing, "jane@contoso.example")) }
      const own = yield* request("POST", "/api/dl", { body: { name: "Mine Pretty", ownerEmails: ["Jane Doe <jane@contoso.example>"] }, ...jane })
      assert.strictEqual(own.status, 201, own.text)
      const keep = yield* request("PATCH", "/api/dl/janes-team", { body: { ownerEmails: ["Jane <jane@contoso.example>"] }, ...jane })
      assert.strictEqual(keep.status, 200, keep.text)
    }))
})

describe("RATE_LIMIT_PER_MINUTE", () => {
  it.effect("0 or more; a negative number stops start-up instead of turning the limit off", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* readConfig(rateLimitConfig, {}), 600)
      assert.strictEqual(yield* readConfig(rateLimitConfig, { RATE_LIMIT_PER_MINUTE: "0" }), 0)
      const error = yield* Effect.flip(readConfig(rateLimitConfig, { RATE_LIMIT_PER_MINUTE: "-1" }))
      assert.include(String(error), "RATE_LIMIT_PER_MINUTE")
    }))
})
