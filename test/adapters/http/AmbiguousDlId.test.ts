import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as DistributionLists from "../../../src/application/DistributionLists.ts"
import { GroupStore, type NewGroup } from "../../../src/application/ports/GroupStore.ts"
import * as Settings from "../../../src/application/Settings.ts"
import { CONTRACT_TENANT } from "../../application/ports/UserDirectoryContract.ts"
import { adaptersOverSandbox } from "../microsoft/SandboxHarness.ts"
import { app } from "./support.ts"

const domain = CONTRACT_TENANT.domain
const admin = `admin@${domain}`
const group = (overrides: Partial<NewGroup> & Pick<NewGroup, "name" | "alias" | "primarySmtpAddress">): NewGroup => ({
  displayName: overrides.name,
  managedBy: [admin],
  members: [],
  requireSenderAuthenticationEnabled: true,
  anchor: admin,
  ...overrides
})

// The use cases and the real routes over the Microsoft adapters and the sandbox (real HTTP on 127.0.0.1):
// Exchange's "matches multiple entries" (Ex9E65A2) must reach the caller as a 409, not a 502.
const stack = DistributionLists.layerNoDeps.pipe(
  Layer.provideMerge(adaptersOverSandbox({ tenant: CONTRACT_TENANT })),
  Layer.provide(Settings.layerWith({ customDomain: domain }))
)

describe("a dlId that names two distribution lists", () => {
  it.live("is a 409 for every endpoint naming it; each list is still reached by its address", () =>
    Effect.gen(function*() {
      const store = yield* GroupStore
      // One list's name is the other's alias: Exchange resolves `-Identity` by both (cmdlet docs).
      yield* store.create(group({ name: "sales", alias: "sales", primarySmtpAddress: `sales@${domain}` }))
      yield* store.create(group({ name: "Sales EMEA", alias: "sales", primarySmtpAddress: `sales-emea@${domain}` }))
      const { request } = yield* app(yield* DistributionLists.DistributionLists)
      const expected = {
        error: "Ambiguous Distribution List identifier",
        details: "'sales' matches more than one distribution list; use the list's primary SMTP address or its id (GUID) instead."
      }
      for (
        const [method, path, body] of [
          ["GET", "/api/dl/sales", undefined],
          ["DELETE", "/api/dl/sales", undefined],
          ["PATCH", "/api/dl/sales", { displayName: "Renamed" }],
          ["POST", "/api/dl/sales/members", { memberEmails: [`adele.vance@${domain}`] }]
        ] as const
      ) {
        const res = yield* request(method, path, body === undefined ? {} : { body })
        assert.strictEqual(res.status, 409, `${method} ${path}`)
        assert.deepStrictEqual(res.json, expected)
      }
      const first = yield* request("GET", `/api/dl/sales@${domain}`)
      assert.strictEqual(first.status, 200)
      assert.strictEqual(first.json.displayName, "sales")
      const second = yield* request("GET", `/api/dl/sales-emea@${domain}`)
      assert.strictEqual(second.status, 200)
      assert.strictEqual(second.json.displayName, "Sales EMEA")
    }).pipe(Effect.scoped, Effect.provide(stack)), 30_000)
})
