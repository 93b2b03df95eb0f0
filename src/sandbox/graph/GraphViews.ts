import type { Group, Recipient, User } from "../tenant/Objects.ts"
import type { Value } from "./ODataFilter.ts"

const iso = (millis: number) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

const nameParts = (displayName: string) => {
  const space = displayName.indexOf(" ")
  return space < 0 ? { givenName: null, surname: null } : { givenName: displayName.slice(0, space), surname: displayName.slice(space + 1) }
}

/** User properties the sandbox models; anything else Graph has is reported as unknown by `$select`. */
const userProperties: Readonly<Record<string, (user: User) => unknown>> = {
  businessPhones: () => [],
  displayName: (u) => u.displayName,
  givenName: (u) => nameParts(u.displayName).givenName,
  jobTitle: () => null,
  mail: (u) => u.mail,
  mobilePhone: () => null,
  officeLocation: () => null,
  preferredLanguage: () => null,
  surname: (u) => nameParts(u.displayName).surname,
  userPrincipalName: (u) => u.userPrincipalName,
  id: (u) => u.id,
  accountEnabled: () => true,
  mailNickname: (u) => u.alias,
  proxyAddresses: (u) => [...u.proxyAddresses],
  otherMails: () => [],
  imAddresses: () => [],
  userType: () => "Member",
  createdDateTime: (u) => iso(u.createdAt),
  deletedDateTime: () => null,
  onPremisesSyncEnabled: () => null
}

/** spec §1.1: the properties `GET /users` returns without `$select`, in Graph's order. */
export const defaultUserSelect = [
  "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
  "preferredLanguage", "surname", "userPrincipalName", "id"
]

const groupProperties: Readonly<Record<string, (group: Group) => unknown>> = {
  id: (g) => g.externalDirectoryObjectId,
  deletedDateTime: () => null,
  classification: () => null,
  createdDateTime: (g) => iso(g.whenCreated),
  creationOptions: () => [],
  description: () => null,
  displayName: (g) => g.displayName,
  expirationDateTime: () => null,
  // spec §4: distribution groups are groupTypes [], mailEnabled true, securityEnabled false.
  groupTypes: () => [],
  isAssignableToRole: () => null,
  mail: (g) => g.primarySmtpAddress,
  mailEnabled: () => true,
  mailNickname: (g) => g.alias,
  membershipRule: () => null,
  membershipRuleProcessingState: () => null,
  onPremisesSyncEnabled: () => null,
  preferredDataLocation: () => null,
  preferredLanguage: () => null,
  proxyAddresses: (g) => [...g.emailAddresses],
  renewedDateTime: (g) => iso(g.whenCreated),
  resourceBehaviorOptions: () => [],
  resourceProvisioningOptions: () => [],
  securityEnabled: () => false,
  theme: () => null,
  visibility: () => null
}

export const defaultGroupSelect = Object.keys(groupProperties)

export type Kind = "user" | "group"

export const knownProperty = (kind: Kind, property: string): boolean =>
  Object.hasOwn(kind === "user" ? userProperties : groupProperties, property)

/** The first name in `select` that the entity type does not have, if any. */
export const unknownProperty = (kind: Kind, select: ReadonlyArray<string>): string | undefined =>
  select.find((p) => !knownProperty(kind, p))

export const userValue = (user: User) => (property: string): Value =>
  (userProperties[property]?.(user) ?? null) as Value

export const groupValue = (group: Group) => (property: string): Value =>
  (groupProperties[property]?.(group) ?? null) as Value

export const userView = (user: User, select: ReadonlyArray<string> | undefined): Record<string, unknown> =>
  Object.fromEntries((select ?? defaultUserSelect).map((p) => [p, userProperties[p]?.(user) ?? null]))

export const groupView = (group: Group, select: ReadonlyArray<string> | undefined): Record<string, unknown> =>
  Object.fromEntries((select ?? defaultGroupSelect).map((p) => [p, groupProperties[p]?.(group) ?? null]))

/** A directory object in a mixed collection (members, getByIds) carries its `@odata.type` first (spec §3). */
export const directoryObjectView = (object: Recipient, select: ReadonlyArray<string> | undefined): Record<string, unknown> =>
  object._tag === "User"
    ? { "@odata.type": "#microsoft.graph.user", ...userView(object.user, select && select.filter((p) => knownProperty("user", p))) }
    : { "@odata.type": "#microsoft.graph.group", ...groupView(object.group, select && select.filter((p) => knownProperty("group", p))) }
