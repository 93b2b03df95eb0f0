import { Schema, SchemaTransformation } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { MAX_MEMBER_PAGE_SIZE } from "../../application/ports/GroupStore.ts"
import { EmailAddress } from "../../domain/Email.ts"
import { MAX_ADDRESSES_PER_REQUEST, MAX_DISPLAY_NAME_LENGTH } from "../../domain/Limits.ts"
import * as ApiErrors from "./ApiErrors.ts"
import { Authentication } from "./auth/Security.ts"
import { describeBodiesAsRead } from "./OpenApiDocument.ts"

/** At most this many addresses in one list of one request. */
export const MAX_ADDRESSES = MAX_ADDRESSES_PER_REQUEST

/** Page tokens wrap an Exchange nextLink (a few hundred characters); anything much longer is not one. */
export const MAX_PAGE_TOKEN_LENGTH = 4096

const Emails = Schema.Array(EmailAddress).check(Schema.isMaxLength(MAX_ADDRESSES))
const Owners = Emails.check(Schema.isMinLength(1))
// A name becomes the display name (≤ 256) and, slugified, the alias (≤ 64): the domain checks the alias.
const DisplayName = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_DISPLAY_NAME_LENGTH))
const Name = DisplayName

export const CreateBody = Schema.Struct({
  name: Name.annotate({ description: "Display name; the alias and primary address are derived from it" }),
  ownerEmails: Owners,
  memberEmails: Schema.optionalKey(Emails),
  allowExternalSenders: Schema.optionalKey(Schema.Boolean)
})

export const UpdateBody = Schema.Struct({
  name: Schema.optionalKey(
    Name.annotate({ description: "New name: the alias and primary address are derived from it (the display name stays; see displayName)" })
  ),
  displayName: Schema.optionalKey(DisplayName.annotate({ description: "New display name (what users see)" })),
  ownerEmails: Schema.optionalKey(Owners.annotate({ description: "The complete list of owners" })),
  memberEmails: Schema.optionalKey(Emails.annotate({ description: "The complete list of members" })),
  allowExternalSenders: Schema.optionalKey(Schema.Boolean)
})

export const MembersBody = Schema.Struct({ memberEmails: Emails })

const Addresses = Schema.Array(Schema.String)

export const Created = Schema.Struct({
  dlId: Schema.String,
  primaryEmail: Schema.String,
  status: Schema.String,
  failedMembers: Addresses
})

export const Details = Schema.Struct({
  dlId: Schema.String,
  name: Schema.String,
  displayName: Schema.String,
  primaryEmail: Schema.String,
  owners: Addresses,
  members: Addresses,
  allowExternalSenders: Schema.Boolean
})

/** `GET /dl/{dlId}` in paged mode: `members` is one page; the next page's token while more remain. */
export const DetailsPage = Schema.Struct({
  ...Details.fields,
  membersNextPageToken: Schema.optionalKey(Schema.String.annotate({
    description: "Pass as membersPageToken to read the next page of members; absent on the last page"
  }))
})

export const Message = Schema.Struct({ message: Schema.String })

export const Updated = Schema.Struct({ message: Schema.String, failedMembers: Schema.optionalKey(Addresses) })

export const MembersChanged = Schema.Struct({ message: Schema.String, failed: Addresses })

const params = {
  dlId: Schema.String.annotate({ description: "Alias, name or primary email address of the distribution list" })
}

const PAGE_SIZE_MESSAGE = `Input should be an integer from 1 to ${MAX_MEMBER_PAGE_SIZE}`

// Optional member paging of `GET /dl/{dlId}` (issue 5): without either parameter the whole list comes back.
const getQuery = {
  membersPageSize: Schema.optionalKey(
    // digits only: Number() would also read "1e3", "0x10", " 5" and "5.0". The description sits on the
    // string, the side of the parameter OpenAPI documents.
    Schema.String.annotate({
      description: `Page the members: at most this many per response (digits, 1 to ${MAX_MEMBER_PAGE_SIZE}; ` +
        `default ${MAX_MEMBER_PAGE_SIZE} when only membersPageToken is given)`
    }).check(Schema.isPattern(/^[0-9]{1,9}$/, { message: PAGE_SIZE_MESSAGE })).pipe(
      Schema.decodeTo(Schema.Finite, SchemaTransformation.numberFromString)
    ).annotate({ message: PAGE_SIZE_MESSAGE }).check(
      Schema.isInt({ message: PAGE_SIZE_MESSAGE }),
      Schema.isBetween({ minimum: 1, maximum: MAX_MEMBER_PAGE_SIZE }, { message: PAGE_SIZE_MESSAGE })
    )
  ),
  membersPageToken: Schema.optionalKey(
    Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(MAX_PAGE_TOKEN_LENGTH)).annotate({
      description: "membersNextPageToken of the previous page of the same list; it expires with the Exchange page link it wraps (minutes: sources report 5–10 and 30)"
    })
  )
}

// Feeds anchor-mailbox selection (seed: "X-AnchorMailbox Header Strategy").
const headers = { "x-anchormailbox": Schema.optionalKey(Schema.String) }

export class DistributionListsGroup extends HttpApiGroup.make("distributionLists")
  .add(
    HttpApiEndpoint.post("create", "/dl", {
      headers,
      payload: CreateBody,
      success: Created.pipe(HttpApiSchema.status(201)),
      error: ApiErrors.withBody
    }),
    HttpApiEndpoint.get("get", "/dl/:dlId", {
      params,
      headers,
      query: getQuery,
      // The whole list and no token, unless membersPageSize or membersPageToken asks for one page.
      success: DetailsPage,
      error: ApiErrors.common
    }),
    HttpApiEndpoint.patch("update", "/dl/:dlId", {
      params,
      headers,
      payload: UpdateBody,
      success: Updated,
      error: ApiErrors.withBody
    }),
    HttpApiEndpoint.delete("remove", "/dl/:dlId", { params, headers, success: Message, error: ApiErrors.common }),
    HttpApiEndpoint.post("addMembers", "/dl/:dlId/members", {
      params,
      headers,
      payload: MembersBody,
      success: MembersChanged,
      error: ApiErrors.withBody
    }),
    HttpApiEndpoint.delete("removeMembers", "/dl/:dlId/members", {
      params,
      headers,
      payload: MembersBody,
      success: MembersChanged,
      error: ApiErrors.withBody
    })
  )
  .middleware(Authentication)
  .prefix("/api")
  .annotateMerge(OpenApi.annotations({ title: "Distribution lists" }))
{}

export class Api extends HttpApi.make("distribution-list-api")
  .add(DistributionListsGroup)
  .annotateMerge(OpenApi.annotations({
    title: "Distribution List Management API",
    version: "2.0.0",
    description: "Create, read, update and delete Exchange Online distribution lists."
  }))
  .annotate(OpenApi.Transform, describeBodiesAsRead)
{}
