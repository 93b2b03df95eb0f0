import { Effect, Option } from "effect"
import { isGuid } from "../tenant/Objects.ts"
import type { TenantModel } from "../tenant/TenantModel.ts"
import { contextUrl, type GraphRequest, isResponse, nextLink, queryOptions } from "./GraphQuery.ts"
import { badRequest, notFound, ok, type RequestIds } from "./GraphResponse.ts"
import { directoryObjectView, groupValue, groupView } from "./GraphViews.ts"
import { matches } from "./ODataFilter.ts"

type Model = TenantModel["Service"]

/**
 * `GET /groups` (spec §4): the tenant's distribution lists as Graph shows them. Graph also lists
 * M365 and security groups; the sandbox tenant has none.
 */
export const listGroups = Effect.fnUntraced(function*(model: Model, request: GraphRequest, base: string, ids: RequestIds) {
  const options = queryOptions(request, "group", ids)
  if (isResponse(options)) return options
  const groups = (yield* model.distributionGroups).filter((g) => options.filter === undefined || matches(options.filter, groupValue(g)))
  const page = groups.slice(options.offset, options.offset + options.top)
  const next = options.offset + page.length
  return ok({
    "@odata.context": contextUrl("groups", options.select),
    ...(options.count && options.offset === 0 ? { "@odata.count": groups.length } : {}),
    ...(next < groups.length ? { "@odata.nextLink": nextLink(base, request, next) } : {}),
    value: page.map((g) => groupView(g, options.select))
  })
})

export const getGroup = Effect.fnUntraced(function*(model: Model, request: GraphRequest, id: string, ids: RequestIds) {
  const options = queryOptions(request, "group", ids)
  if (isResponse(options)) return options
  const group = yield* model.groupByObjectId(id)
  if (Option.isNone(group)) return notFound(id, ids)
  return ok({ "@odata.context": contextUrl("groups", options.select, true), ...groupView(group.value, options.select) })
})

/** `GET /groups/{id}/members` and `/owners`: directory objects with `@odata.type`, 100 per page. */
export const groupLinks = Effect.fnUntraced(function*(
  model: Model,
  request: GraphRequest,
  id: string,
  link: "members" | "owners",
  base: string,
  ids: RequestIds
) {
  const options = queryOptions(request, "user", ids)
  if (isResponse(options)) return options
  const group = yield* model.groupByObjectId(id)
  if (Option.isNone(group)) return notFound(id, ids)
  const { members: page, total } = link === "members"
    ? Option.getOrElse(yield* model.groupMembers(id, options.offset, options.top), () => ({ members: [], total: 0 }))
    : yield* Effect.map(model.directoryObjectsByIds(group.value.managedBy), (owners) => ({
      members: owners.slice(options.offset, options.offset + options.top),
      total: owners.length
    }))
  const next = options.offset + page.length
  return ok({
    "@odata.context": contextUrl("directoryObjects", options.select),
    ...(next < total ? { "@odata.nextLink": nextLink(base, request, next) } : {}),
    value: page.map((o) => directoryObjectView(o, options.select))
  })
})

const maxIds = 1000
const typeNames: Readonly<Record<string, "User" | "Group">> = { user: "User", group: "Group" }

/**
 * `POST /directoryObjects/getByIds` (spec §3): up to 1000 ids; `types` filters (case-insensitive).
 * UNVERIFIED: unknown ids are omitted, results follow the input order, and the errors for more
 * than 1000 ids or a malformed id.
 */
export const getByIds = Effect.fnUntraced(function*(model: Model, request: GraphRequest, ids: RequestIds) {
  const body = request.body as { ids?: unknown; types?: unknown } | undefined
  const idList = body?.ids
  if (!Array.isArray(idList) || !idList.every((id) => typeof id === "string")) {
    return badRequest("Invalid request: the 'ids' parameter is required and must be an array of strings.", ids)
  }
  if (idList.length > maxIds) {
    return badRequest(`Too many ids specified: ${idList.length}. Maximum allowed: ${maxIds}.`, ids)
  }
  const malformed = idList.find((id) => !isGuid(id))
  if (malformed !== undefined) return badRequest(`Invalid object identifier '${malformed}'.`, ids)
  const types = Array.isArray(body?.types)
    ? new Set(body.types.map((t) => typeNames[String(t).toLowerCase().replace(/^#?microsoft\.graph\./, "")]))
    : undefined
  const objects = (yield* model.directoryObjectsByIds(idList)).filter((o) => types === undefined || types.has(o._tag))
  return ok({
    "@odata.context": contextUrl("directoryObjects", undefined),
    value: objects.map((o) => directoryObjectView(o, undefined))
  })
})
