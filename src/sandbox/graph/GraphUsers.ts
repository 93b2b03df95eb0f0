import { Effect, Option } from "effect"
import type { User } from "../tenant/Objects.ts"
import type { TenantModel } from "../tenant/TenantModel.ts"
import { type Filter, matches } from "./ODataFilter.ts"
import { contextUrl, type GraphRequest, isResponse, nextLink, queryOptions } from "./GraphQuery.ts"
import { badRequest, type GraphResponse, notFound, ok, type RequestIds } from "./GraphResponse.ts"
import { userValue, userView } from "./GraphViews.ts"

type Model = TenantModel["Service"]

/** Properties the directory resolves through an index: lookups instead of a scan. */
const indexed = new Set(["id", "userPrincipalName", "mail", "proxyAddresses"])

/** The lookups that find every user the filter can match, or undefined when only a scan can. */
const lookups = (filter: Filter): ReadonlyArray<string> | undefined => {
  switch (filter._tag) {
    case "In":
      return indexed.has(filter.property) ? filter.values.filter((v): v is string => typeof v === "string") : undefined
    case "Or": {
      const all = filter.terms.map(lookups)
      return all.every((l) => l !== undefined) ? all.flat() : undefined
    }
    case "And":
      return filter.terms.map(lookups).find((l) => l !== undefined)
    default:
      return undefined
  }
}

const scanChunk = 5_000

const matching = Effect.fnUntraced(function*(model: Model, filter: Filter) {
  const keys = lookups(filter)
  const found = new Map<string, User>()
  const keep = (user: User) => {
    if (!found.has(user.id) && matches(filter, userValue(user))) found.set(user.id, user)
  }
  if (keys !== undefined) {
    for (const key of keys) {
      const byAddress = yield* model.findUserByAddress(key)
      if (Option.isSome(byAddress)) keep(byAddress.value)
      const byId = yield* model.userByIdOrUpn(key)
      if (Option.isSome(byId)) keep(byId.value)
    }
    return [...found.values()]
  }
  for (let offset = 0;; offset += scanChunk) {
    const page = yield* model.usersPage(offset, scanChunk)
    page.users.forEach(keep)
    if (offset + scanChunk >= page.total) return [...found.values()]
  }
})

/** `GET /users` with `$filter`, `$select`, `$top`, `$count` and `@odata.nextLink` paging (spec §1.1–§1.3). */
export const listUsers = Effect.fnUntraced(function*(model: Model, request: GraphRequest, base: string, ids: RequestIds) {
  const options = queryOptions(request, "user", ids)
  if (isResponse(options)) return options
  let users: ReadonlyArray<User>
  let total: number
  if (options.filter === undefined) {
    const page = yield* model.usersPage(options.offset, options.top)
    users = page.users
    total = page.total
  } else {
    const all = yield* matching(model, options.filter)
    users = all.slice(options.offset, options.offset + options.top)
    total = all.length
  }
  const next = options.offset + users.length
  return ok({
    "@odata.context": contextUrl("users", options.select),
    ...(options.count && options.offset === 0 ? { "@odata.count": total } : {}),
    ...(next < total ? { "@odata.nextLink": nextLink(base, request, next) } : {}),
    value: users.map((user) => userView(user, options.select))
  })
})

/** `GET /users/{id | userPrincipalName}`, also `/users('{upn}')` (spec §1.1). */
export const getUser = Effect.fnUntraced(function*(model: Model, request: GraphRequest, key: string, ids: RequestIds) {
  const options = queryOptions(request, "user", ids)
  if (isResponse(options)) return options
  const user = yield* model.userByIdOrUpn(key)
  if (Option.isNone(user)) return notFound(key, ids)
  const body: GraphResponse["body"] = {
    "@odata.context": contextUrl("users", options.select, true),
    ...userView(user.value, options.select)
  }
  return ok(body)
})

/**
 * `GET /users/$count` (spec §1.2): without `ConsistencyLevel: eventual` the verbatim 400
 * `Request_BadRequest` "$count is not currently supported."; with it, the count as `text/plain`
 * (user-list.md), `$filter` applied. The segment stands for `$count=true` in the advanced-query check.
 */
export const countUsers = Effect.fnUntraced(function*(model: Model, request: GraphRequest, ids: RequestIds) {
  if (request.headers["consistencylevel"]?.toLowerCase() !== "eventual") {
    return badRequest("$count is not currently supported.", ids)
  }
  const query = new URLSearchParams(request.query)
  query.set("$count", "true")
  const options = queryOptions({ ...request, query }, "user", ids)
  if (isResponse(options)) return options
  const total = options.filter === undefined
    ? (yield* model.usersPage(0, 1)).total
    : (yield* matching(model, options.filter)).length
  const response: GraphResponse = {
    status: 200,
    headers: { "Cache-Control": "no-cache", "OData-Version": "4.0", "Content-Type": "text/plain; charset=utf-8" },
    body: String(total)
  }
  return response
})
