import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
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
