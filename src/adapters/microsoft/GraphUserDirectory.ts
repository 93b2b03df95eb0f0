import { Clock, Effect, Layer, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
import { UserDirectory } from "../../application/ports/UserDirectory.ts"
import type { DirectoryUser } from "../../domain/DistributionList.ts"
import { Cloud } from "./Cloud.ts"
import { graphError, type GraphRequest, type GraphResponse, makeBatch, sendJson } from "./GraphBatch.ts"
import * as Q from "./GraphQueries.ts"
import { Tokens } from "./Tokens.ts"
import { authorized, failed } from "./Wire.ts"

/** How many `$batch` (or getByIds) calls one lookup keeps in flight. */
export const CONCURRENCY = 4

const decodeUsers = (operation: string) => (body: unknown) =>
  Schema.decodeUnknownEffect(Q.GraphUsers)(body).pipe(
    Effect.mapError(() => failed(operation, "Microsoft Graph returned an unreadable user list"))
  )

export const make = Effect.gen(function*() {
  const cloud = yield* Cloud
  const send = authorized(yield* HttpClient.HttpClient, yield* Tokens, "graph")
  const batch = makeBatch(send, cloud.graphBaseUrl)
  const post = sendJson(send)

  /** Runs the requests in batches of 20, CONCURRENCY batches at a time; any failed request fails all. */
  const runAll = (requests: ReadonlyArray<GraphRequest>, operation: string) =>
    Effect.forEach(Q.chunk(requests, Q.MAX_BATCH_REQUESTS), (part) => batch(part, operation), {
      concurrency: CONCURRENCY
    }).pipe(Effect.map((maps) => new Map(maps.flatMap((map) => [...map]))))

  const usersOf = (operation: string, response: GraphResponse): Effect.Effect<ReadonlyArray<Q.GraphUser>, UpstreamError> =>
    response.status === 200
      ? Effect.map(decodeUsers(operation)(response.body), (page) => page.value)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.fail(graphError(operation, response.status, response.headers, response.body, now)))

  /** One round: each chunk of ≤ 15 addresses becomes one filtered `GET /users` per query, inside `$batch`es. */
  const lookup = Effect.fnUntraced(function*(
    addresses: ReadonlyArray<string>,
    queries: ReadonlyArray<(chunk: ReadonlyArray<string>) => string>,
    operation: string
  ) {
    const requests = Q.chunk(addresses, Q.MAX_IN_VALUES).flatMap((chunk) => queries.map((toUrl) => toUrl(chunk)))
      .map((url, i) => ({ id: String(i + 1), method: "GET" as const, url }))
    const responses = yield* runAll(requests, operation)
    const users: Array<Q.GraphUser> = []
    for (const response of responses.values()) users.push(...(yield* usersOf(operation, response)))
    return users
  })

  const findUsers = Effect.fn("GraphUserDirectory.findUsers")(function*(addresses: ReadonlyArray<string>) {
    const operation = "UserDirectory.findUsers"
    const wanted = [...new Set(addresses.map((address) => address.trim().toLowerCase()).filter((a) => a !== ""))]
    const byMail = yield* lookup(wanted, [(chunk) => Q.userFilterUrl(chunk, "mail")], operation)
    const result = matchAddresses(wanted, byMail)
    const unresolved = wanted.filter((address) => !result.has(address))
    if (unresolved.length > 0) {
      const more = yield* lookup(unresolved, [(chunk) => Q.userFilterUrl(chunk, "upn"), Q.proxyFilterUrl], operation)
      for (const [address, user] of matchAddresses(unresolved, [...byMail, ...more])) result.set(address, user)
    }
    return result as ReadonlyMap<string, DirectoryUser>
  })

  const usersByIds = Effect.fn("GraphUserDirectory.usersByIds")(function*(ids: ReadonlyArray<string>) {
    const operation = "UserDirectory.usersByIds"
    const wanted = [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))]
    const pages = yield* Effect.forEach(
      Q.chunk(wanted, Q.MAX_IDS_PER_CALL),
      (part) =>
        post(
          HttpClientRequest.post(`${cloud.graphBaseUrl}/directoryObjects/getByIds`).pipe(
            HttpClientRequest.bodyJsonUnsafe({ ids: part, types: ["user"] })
          ),
          operation
        ).pipe(Effect.flatMap(decodeUsers(operation))),
      { concurrency: CONCURRENCY }
    )
    const byId = new Map<string, DirectoryUser>()
    for (const page of pages) {
      for (const object of page.value) {
        const type = object["@odata.type"]
        if (type === undefined || type === "#microsoft.graph.user") byId.set(object.id.toLowerCase(), Q.toDirectoryUser(object))
      }
    }
    const result = new Map<string, DirectoryUser>()
    for (const id of wanted) {
      const user = byId.get(id.toLowerCase())
      if (user !== undefined) result.set(id, user)
    }
    return result as ReadonlyMap<string, DirectoryUser>
  })

  return UserDirectory.of({ findUsers, usersByIds })
})

/** Keys each wanted address to the user answering to it, preferring UPN, then mail, then proxy. */
const matchAddresses = (wanted: ReadonlyArray<string>, users: ReadonlyArray<Q.GraphUser>) => {
  const index = new Map<string, { readonly rank: number; readonly user: Q.GraphUser }>()
  for (const user of users) {
    Q.addressesOf(user).forEach((address, rank) => {
      const current = index.get(address)
      if (current === undefined || rank < current.rank) index.set(address, { rank, user })
    })
  }
  const result = new Map<string, DirectoryUser>()
  for (const address of wanted) {
    const hit = index.get(address)
    if (hit !== undefined) result.set(address, Q.toDirectoryUser(hit.user))
  }
  return result
}

export const layer: Layer.Layer<UserDirectory, never, HttpClient.HttpClient | Tokens | Cloud> = Layer.effect(
  UserDirectory,
  make
)
