import { Effect, Layer } from "effect"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
import { UserDirectory } from "../../application/ports/UserDirectory.ts"
import type { DirectoryUser } from "../../domain/DistributionList.ts"
import { Behaviour } from "../../sandbox/tenant/Behaviour.ts"
import type { User } from "../../sandbox/tenant/Objects.ts"
import { TenantModel } from "../../sandbox/tenant/TenantModel.ts"
import { faultToUpstream, MEMORY_APP_ID } from "./MemoryExchange.ts"

/**
 * Addresses per upstream call: the Microsoft adapter packs 15 per `$filter ... in (...)` (Graph's
 * limit) and 20 requests per Graph `$batch`, so one call covers 300 addresses or ids.
 */
const PER_CALL = 300

const toDirectoryUser = (user: User): DirectoryUser => ({
  id: user.id,
  userPrincipalName: user.userPrincipalName,
  mail: user.mail,
  displayName: user.displayName
})

/** `UserDirectory` directly on the sandbox tenant model, with the Graph face's knobs (latency, faults). */
export const make = Effect.gen(function*() {
  const tenant = yield* TenantModel
  const behaviour = yield* Behaviour

  const admitPerCall = (operation: string, count: number): Effect.Effect<void, UpstreamError> =>
    Effect.forEach(
      Array.from({ length: Math.max(1, Math.ceil(count / PER_CALL)) }),
      () => behaviour.admit("graph", MEMORY_APP_ID).pipe(Effect.mapError((fault) => faultToUpstream(operation, fault))),
      { discard: true }
    )

  const findUsers = Effect.fn("MemoryUserDirectory.findUsers")(function*(addresses: ReadonlyArray<string>) {
    yield* admitPerCall("UserDirectory.findUsers", addresses.length)
    const found = yield* tenant.findUsers(addresses)
    return new Map([...found].map(([address, user]) => [address, toDirectoryUser(user)])) as ReadonlyMap<string, DirectoryUser>
  })

  const usersByIds = Effect.fn("MemoryUserDirectory.usersByIds")(function*(ids: ReadonlyArray<string>) {
    yield* admitPerCall("UserDirectory.usersByIds", ids.length)
    const objects = yield* tenant.directoryObjectsByIds(ids)
    const users = new Map<string, DirectoryUser>()
    for (const object of objects) if (object._tag === "User") users.set(object.user.id, toDirectoryUser(object.user))
    return users as ReadonlyMap<string, DirectoryUser>
  })

  return UserDirectory.of({ findUsers, usersByIds })
})

export const layer: Layer.Layer<UserDirectory, never, TenantModel | Behaviour> = Layer.effect(UserDirectory, make)
