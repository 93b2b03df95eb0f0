import { assert, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer, Option } from "effect"
import * as Fs from "node:fs/promises"
import * as Os from "node:os"
import * as Path from "node:path"
import { TenantModel } from "../../../src/sandbox/tenant/TenantModel.ts"

const withFile = (content: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await Fs.mkdtemp(Path.join(Os.tmpdir(), "users-"))
      const file = Path.join(dir, "users.json")
      await Fs.writeFile(file, content)
      return { dir, file }
    }),
    ({ dir }) => Effect.promise(() => Fs.rm(dir, { recursive: true, force: true }))
  )

const getTenant = Effect.gen(function*() {
  return yield* TenantModel
})

const tenantFrom = (env: Record<string, string>) =>
  TenantModel.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown(env))))

it.effect("SANDBOX_USERS_FILE replaces the demo directory (users without mail have no mailbox)", () =>
  Effect.gen(function*() {
    const { file } = yield* withFile(JSON.stringify([
      { userPrincipalName: "kim@fabrikam.example", displayName: "Kim", mail: "kim@fabrikam.example" },
      { userPrincipalName: "svc@fabrikam.example", displayName: "Service" }
    ]))
    const tenant = yield* Effect.provide(getTenant, tenantFrom({ SANDBOX_USERS_FILE: file, CUSTOM_DOMAIN: "fabrikam.example" }))
    const page = yield* tenant.usersPage(0, 10)
    assert.deepStrictEqual(page.users.map((u) => [u.userPrincipalName, u.mail]), [["kim@fabrikam.example", "kim@fabrikam.example"], ["svc@fabrikam.example", null]])
    assert.isTrue(Option.isNone(yield* tenant.findUserByAddress("adele.vance@fabrikam.example")))
    const broken = yield* withFile("[{\"displayName\": 1}]")
    assert.isTrue(Exit.isFailure(yield* Effect.exit(Effect.provide(getTenant, tenantFrom({ SANDBOX_USERS_FILE: broken.file })))))
  }).pipe(Effect.scoped))
