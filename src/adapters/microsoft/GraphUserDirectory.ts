import { Clock, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import type { UpstreamError } from "../../application/ports/UpstreamError.ts"
import { UserDirectory } from "../../application/ports/UserDirectory.ts"
import type { DirectoryUser } from "../../domain/DistributionList.ts"
import { Cloud } from "./Cloud.ts"
import { graphError, type GraphRequest, type GraphResponse, makeBatches, sendJson } from "./GraphBatch.ts"
import * as Q from "./GraphQueries.ts"
import { Tokens } from "./Tokens.ts"
import { authorized, failed } from "./Wire.ts"
import { isObjectId } from "./ObjectId.ts"

/** How many `$batch` (or getByIds) calls one lookup keeps in flight. */
export const CONCURRENCY = 4

const decodeUsers = (operation: string) => (body: unknown): Effect.Effect<ReadonlyArray<Q.GraphUser>, UpstreamError> => {
  const users = Q.readUsers(body)
  return users === undefined
    ? Effect.fail(failed(operation, "Microsoft Graph returned an unreadable user list"))
    : Effect.succeed(users)
}

export const make = Effect.gen(function*() {
  const cloud = yield* Cloud
  const send = authorized(yield* HttpClient.HttpClient, yield* Tokens, "graph")
  const batches = makeBatches(send, cloud.graphBaseUrl)
  const post = sendJson(send)

  const usersOf = (operation: string, response: GraphResponse): Effect.Effect<ReadonlyArray<Q.GraphUser>, UpstreamError> =>
    response.status === 200
      ? decodeUsers(operation)(response.body)
      : Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.fail(graphError(operation, response.status, response.headers, response.body, now)))

  /**
   * One round of filtered `GET /users` in `$batch`es of 20, CONCURRENCY at a time; each batch's users are
   * decoded and indexed as it arrives (while later batches are in flight). Throttled requests are sent
   * again by `makeBatches` (see INNER_ROUNDS there); any other failed request fails all.
   */
  const lookup = (
    queries: ReadonlyArray<{ readonly url: string; readonly headers?: Readonly<Record<string, string>> }>,
    operation: string,
    index: AddressIndex
  ) =>
    batches({
      requests: queries.map(({ headers, url }, i): GraphRequest => ({ id: String(i + 1), method: "GET", url, headers })),
      operation,
      concurrency: CONCURRENCY,
      onAnswer: (response) => Effect.map(usersOf(operation, response), (users) => users.forEach((user) => index.add(user)))
    })

  /** Default queries: each chunk of ≤ 15 addresses becomes one request per kind of query. */
  const byDefault = (
    addresses: ReadonlyArray<string>,
    kinds: ReadonlyArray<(chunk: ReadonlyArray<string>) => string>
  ) => Q.chunk(addresses, Q.MAX_IN_VALUES).flatMap((chunk) => kinds.map((toUrl) => ({ url: toUrl(chunk) })))

  const byMailPacked = (addresses: ReadonlyArray<string>) =>
    Q.packedUserFilterUrls(addresses, "mail", cloud.graphBaseUrl).map((url) => ({ url, headers: Q.ADVANCED_HEADERS }))

  /**
   * First `mail` (what callers send); then UPN and SMTP proxy addresses for what is still unresolved. More
   * than 15 addresses are first asked as packed advanced queries (about 4× fewer requests against the
   * per-request throttle); the eventually consistent index they read may not show a user created moments
   * ago yet, so the second round also asks `mail` again by default for what they missed. An address too long
   * for a default query is asked all three ways at once in an advanced query of its own, in the first round.
   */
  const findUsers = Effect.fn("GraphUserDirectory.findUsers")(function*(addresses: ReadonlyArray<string>) {
    const operation = "UserDirectory.findUsers"
    const all = [...new Set(addresses.map((address) => address.trim().toLowerCase()).filter((a) => a !== ""))]
    const wanted = all.filter((address) => !Q.needsAdvancedMatch(address))
    const long = all.filter(Q.needsAdvancedMatch).map((address) => ({ url: Q.longAddressFilterUrl(address), headers: Q.ADVANCED_HEADERS }))
    const packed = wanted.length > Q.MAX_IN_VALUES
    const index = new AddressIndex()
    yield* lookup(
      [...(packed ? byMailPacked(wanted) : byDefault(wanted, [(chunk) => Q.userFilterUrl(chunk, "mail")])), ...long],
      operation,
      index
    )
    const unresolved = wanted.filter((address) => !index.has(address))
    if (unresolved.length > 0) {
      const kinds = [
        ...(packed ? [(chunk: ReadonlyArray<string>) => Q.userFilterUrl(chunk, "mail")] : []),
        (chunk: ReadonlyArray<string>) => Q.userFilterUrl(chunk, "upn"),
        Q.proxyFilterUrl
      ]
      yield* lookup(byDefault(unresolved, kinds), operation, index)
    }
    const result = new Map<string, DirectoryUser>()
    for (const address of all) {
      const user = index.get(address)
      if (user !== undefined) result.set(address, user)
    }
    return result as ReadonlyMap<string, DirectoryUser>
  })

  const usersByIds = Effect.fn("GraphUserDirectory.usersByIds")(function*(ids: ReadonlyArray<string>) {
    const operation = "UserDirectory.usersByIds"
    // Only object ids: Graph refuses the whole call for one that is not a GUID (a legacy Exchange Name).
    const wanted = [...new Set(ids.map((id) => id.trim()).filter(isObjectId))]
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
      for (const object of page) {
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

/** The users found so far, by each lower-cased address they answer to: UPN first, then mail, then proxy. */
class AddressIndex {
  private readonly byAddress = new Map<string, { readonly rank: number; readonly user: Q.GraphUser }>()

  add(user: Q.GraphUser): void {
    const put = (address: string | null | undefined, rank: number) => {
      if (typeof address !== "string") return
      const key = address.toLowerCase()
      const current = this.byAddress.get(key)
      if (current === undefined || rank < current.rank) this.byAddress.set(key, { rank, user })
    }
    put(user.userPrincipalName, 0)
    put(user.mail, 1)
    for (const proxy of user.proxyAddresses ?? []) if (/^smtp:/i.test(proxy)) put(proxy.slice(5), 2)
  }

  has(address: string): boolean {
    return this.byAddress.has(address)
  }

  get(address: string): DirectoryUser | undefined {
    const hit = this.byAddress.get(address)
    return hit === undefined ? undefined : Q.toDirectoryUser(hit.user)
  }
}

export const layer: Layer.Layer<UserDirectory, never, HttpClient.HttpClient | Tokens | Cloud> = Layer.effect(
  UserDirectory,
  make
)
