import type { Group, Recipient, User } from "../tenant/Objects.ts"
import type { TenantState } from "../tenant/TenantState.ts"

/**
 * Cmdlet output objects with the OData value annotations of spec §3.2 ([V-cap S1]). The complete
 * property set and order of a DL object is UNVERIFIED (§4.1, §8.5): the names below are those the
 * spec read off real objects, with a mailbox's shape (§4.3) for the recipient base properties.
 */
export type Json = Record<string, unknown>

const HOSTED_DC = "DC=NAMPR01A012,DC=PROD,DC=OUTLOOK,DC=COM"

/** `2022-06-29T17:57:03.0000000+00:00` and the UTC twin `...Z` (§3.2). */
const dates = (name: string, millis: number): Json => {
  const iso = new Date(millis).toISOString().slice(0, 23)
  return {
    [`${name}@data.type`]: "System.DateTime",
    [name]: `${iso}0000+00:00`,
    [`${name}UTC@data.type`]: "System.DateTime",
    [`${name}UTC`]: `${iso}0000Z`
  }
}

const guid = (name: string, value: string): Json => ({
  [`${name}@data.type`]: "System.Guid",
  [`${name}@odata.type`]: "#Guid",
  [name]: value
})

const strings = (name: string, values: ReadonlyArray<string>): Json => ({
  [`${name}@odata.type`]: "#Collection(String)",
  [name]: [...values]
})

export const distinguishedName = (name: string, organization: string): string =>
  `CN=${name.replace(/([,\\+<>;"=])/g, "\\$1")},OU=${organization},OU=Microsoft Exchange Hosted Organizations,${HOSTED_DC}`

/** A recipient's Exchange `Name`. */
const recipientName = (recipient: Recipient | undefined): string | undefined =>
  recipient === undefined ? undefined : recipient._tag === "User" ? recipient.user.exchangeName : recipient.group.name

export const recipientTypeDetails = (recipient: Recipient): string =>
  recipient._tag === "User" ? (recipient.user.mail === null ? "User" : "UserMailbox") : recipient.group.kind

/**
 * A Get-/New-DistributionGroup object. `fresh`: the New-DistributionGroup output can come back without
 * a DistinguishedName (spec §3.1, §7 [S8]), so it is null there; re-Get the group for it.
 */
export const groupObject = (
  group: Group,
  organization: string,
  state: TenantState,
  options: { readonly fresh?: boolean } = {}
): Json => ({
  GroupType: group.kind === "MailUniversalSecurityGroup" ? "Universal, SecurityEnabled" : "Universal",
  BypassNestedModerationEnabled: false,
  IsDirSynced: false,
  // each owner by its Exchange Name, as Exchange shows them (docs/sandbox.md, "Users")
  ...strings("ManagedBy", group.managedBy.map((id) => recipientName(state.directoryObject(id)) ?? id)),
  MemberJoinRestriction: group.memberJoinRestriction,
  MemberDepartRestriction: group.memberDepartRestriction,
  HiddenGroupMembershipEnabled: false,
  ReportToManagerEnabled: false,
  ReportToOriginatorEnabled: true,
  SendOofMessageToOriginatorEnabled: false,
  ...strings("Description", []),
  BccBlocked: false,
  ...strings("AcceptMessagesOnlyFromSendersOrMembers", []),
  ...strings("RejectMessagesFromSendersOrMembers", []),
  ...strings("GrantSendOnBehalfTo", []),
  ...strings("ModeratedBy", []),
  ModerationEnabled: false,
  SendModerationNotifications: "Always",
  RequireSenderAuthenticationEnabled: group.requireSenderAuthenticationEnabled,
  HiddenFromAddressListsEnabled: group.hiddenFromAddressListsEnabled,
  Alias: group.alias,
  DisplayName: group.displayName,
  ...strings("EmailAddresses", group.emailAddresses),
  PrimarySmtpAddress: group.primarySmtpAddress,
  WindowsEmailAddress: group.primarySmtpAddress,
  RecipientType: group.kind,
  RecipientTypeDetails: group.kind,
  ExternalDirectoryObjectId: group.externalDirectoryObjectId,
  ...Object.fromEntries(group.extra),
  Identity: group.name,
  Id: group.name,
  IsValid: true,
  Name: group.name,
  DistinguishedName: options.fresh ? null : distinguishedName(group.name, organization),
  OrganizationalUnit: `${organization}/Microsoft Exchange Hosted Organizations`,
  ...guid("ExchangeObjectId", group.guid),
  ...guid("Guid", group.guid),
  ...dates("WhenChanged", group.whenChanged),
  ...dates("WhenCreated", group.whenCreated)
})

const userBase = (user: User): Json => ({
  Alias: user.alias,
  DisplayName: user.displayName,
  PrimarySmtpAddress: user.mail ?? "",
  WindowsLiveID: user.userPrincipalName,
  ExternalDirectoryObjectId: user.id,
  RecipientType: user.mail === null ? "User" : "UserMailbox",
  RecipientTypeDetails: user.mail === null ? "User" : "UserMailbox",
  Identity: user.exchangeName,
  Id: user.exchangeName,
  IsValid: true,
  Name: user.exchangeName
})

const groupBase = (group: Group): Json => ({
  Alias: group.alias,
  DisplayName: group.displayName,
  PrimarySmtpAddress: group.primarySmtpAddress,
  WindowsLiveID: "",
  ExternalDirectoryObjectId: group.externalDirectoryObjectId,
  RecipientType: group.kind,
  RecipientTypeDetails: group.kind,
  Identity: group.name,
  Id: group.name,
  IsValid: true,
  Name: group.name
})

/** A Get-DistributionGroupMember item: a reduced recipient object (spec §4.2). */
export const memberObject = (recipient: Recipient): Json =>
  recipient._tag === "User"
    ? { ...userBase(recipient.user), ...guid("Guid", recipient.user.exchangeGuid) }
    : { ...groupBase(recipient.group), ...guid("Guid", recipient.group.guid) }

/** A Get-Recipient object: the member shape plus addresses, DN and dates (mailbox shape, §4.3). */
export const recipientObject = (recipient: Recipient, organization: string): Json => {
  const base = recipient._tag === "User" ? userBase(recipient.user) : groupBase(recipient.group)
  const exchangeGuid = recipient._tag === "User" ? recipient.user.exchangeGuid : recipient.group.guid
  const name = String(base["Name"])
  return {
    ...base,
    ...strings("EmailAddresses", recipient._tag === "User" ? recipient.user.proxyAddresses : recipient.group.emailAddresses),
    HiddenFromAddressListsEnabled: recipient._tag === "Group" && recipient.group.hiddenFromAddressListsEnabled,
    DistinguishedName: distinguishedName(name, organization),
    ...guid("ExchangeObjectId", exchangeGuid),
    ...guid("Guid", exchangeGuid),
    ...dates("WhenCreated", recipient._tag === "User" ? recipient.user.createdAt : recipient.group.whenCreated)
  }
}

/**
 * `?$select=Prop1,Prop2` on InvokeCommand (spec §1.1: S4 `-Select`, S5 `PropertiesToLoad`): only the
 * named properties, each with its value annotations (§3.2). UNVERIFIED: names match case-insensitively
 * and unknown names are ignored.
 */
export const selectProperties = (object: Json, names: ReadonlyArray<string>): Json => selector(names)(object)

// Property key → lower-cased name without its annotation (`Guid@odata.type` → `guid`); keys are a small fixed set.
const baseNames = new Map<string, string>()
const baseNameOf = (key: string): string => {
  let name = baseNames.get(key)
  if (name === undefined) {
    name = key.split("@")[0]!.toLowerCase()
    if (baseNames.size < 10_000) baseNames.set(key, name)
  }
  return name
}

/** `selectProperties` for one request's names, built once and applied to every object of a page. */
export const selector = (names: ReadonlyArray<string>): (object: Json) => Json => {
  const wanted = new Set(names.map((n) => n.toLowerCase()))
  // The kept keys of the last object's shape: a page's objects mostly share one key list.
  let lastKeys: ReadonlyArray<string> = []
  let lastKept: ReadonlyArray<string> = []
  const keptOf = (keys: ReadonlyArray<string>): ReadonlyArray<string> => {
    if (keys.length === lastKeys.length && keys.every((key, i) => key === lastKeys[i])) return lastKept
    lastKeys = keys
    lastKept = keys.filter((key) => wanted.has(baseNameOf(key)))
    return lastKept
  }
  return (object) => {
    const selected: Json = {}
    for (const key of keptOf(Object.keys(object))) {
      // An own `__proto__` (a group's extra property could be named so) must stay a plain property.
      if (key === "__proto__") Object.defineProperty(selected, key, { value: object[key], enumerable: true, writable: true, configurable: true })
      else selected[key] = object[key]
    }
    return selected
  }
}
