/**
 * The parameters each cmdlet accepts in Exchange Online (the cmdlet pages in
 * spec/microsoft-docs, without the on-premises-only ones). Anything else is an unknown parameter
 * (400 AmbiguousParameterSetException, spec §5.1). Parameters not in a `*_MODELLED` list are stored
 * on the group as they are and echoed in its output, without further meaning.
 */
const WRITE = ["Confirm", "WhatIf"]

export const NEW_DISTRIBUTION_GROUP = [
  "Name", "Alias", "BccBlocked", "BypassNestedModerationEnabled", "CopyOwnerToMember", "Description",
  "DisplayName", "HiddenGroupMembershipEnabled", "IgnoreNamingPolicy", "ManagedBy", "MemberDepartRestriction",
  "MemberJoinRestriction", "Members", "ModeratedBy", "ModerationEnabled", "Notes", "OrganizationalUnit",
  "PrimarySmtpAddress", "RequireSenderAuthenticationEnabled", "RoomList", "SendModerationNotifications", "Type",
  ...WRITE
]

export const NEW_MODELLED = [
  "Name", "Alias", "DisplayName", "PrimarySmtpAddress", "Type", "ManagedBy", "Members", "CopyOwnerToMember",
  "MemberJoinRestriction", "MemberDepartRestriction", "RequireSenderAuthenticationEnabled", "IgnoreNamingPolicy",
  ...WRITE
]

export const GET_DISTRIBUTION_GROUP = [
  "Identity", "Anr", "Credential", "Filter", "IncludeAcceptMessagesOnlyFromDLMembersWithDisplayNames",
  "IncludeAcceptMessagesOnlyFromSendersOrMembersWithDisplayNames", "IncludeAcceptMessagesOnlyFromWithDisplayNames",
  "IncludeBypassModerationFromSendersOrMembersWithDisplayNames", "IncludeGrantSendOnBehalfToWithDisplayNames",
  "IncludeManagedByWithDisplayNames", "IncludeModeratedByWithDisplayNames", "ManagedBy", "OrganizationalUnit",
  "RecipientTypeDetails", "ResultSize", "SortBy"
]

const CUSTOM_ATTRIBUTES = Array.from({ length: 15 }, (_, i) => `CustomAttribute${i + 1}`)
const EXTENSION_ATTRIBUTES = Array.from({ length: 5 }, (_, i) => `ExtensionCustomAttribute${i + 1}`)

export const SET_DISTRIBUTION_GROUP = [
  "Identity", "AcceptMessagesOnlyFrom", "AcceptMessagesOnlyFromDLMembers", "AcceptMessagesOnlyFromSendersOrMembers",
  "Alias", "BccBlocked", "BypassModerationFromSendersOrMembers", "BypassNestedModerationEnabled",
  "BypassSecurityGroupManagerCheck", ...CUSTOM_ATTRIBUTES, "Description", "DisplayName", "EmailAddresses",
  ...EXTENSION_ATTRIBUTES, "ForceUpgrade", "GrantSendOnBehalfTo", "HiddenFromAddressListsEnabled",
  "HiddenGroupMembershipEnabled", "IgnoreNamingPolicy", "MailTip", "MailTipTranslations", "ManagedBy",
  "MemberDepartRestriction", "MemberJoinRestriction", "ModeratedBy", "ModerationEnabled", "Name",
  "PrimarySmtpAddress", "RejectMessagesFrom", "RejectMessagesFromDLMembers", "RejectMessagesFromSendersOrMembers",
  "ReportToManagerEnabled", "ReportToOriginatorEnabled", "RequireSenderAuthenticationEnabled",
  "ResetMigrationToUnifiedGroup", "RoomList", "SendModerationNotifications", "SendOofMessageToOriginatorEnabled",
  "SimpleDisplayName", "UpdateMemberCount", "WindowsEmailAddress", ...WRITE
]

export const SET_MODELLED = [
  "Identity", "Name", "Alias", "DisplayName", "PrimarySmtpAddress", "EmailAddresses", "ManagedBy",
  "RequireSenderAuthenticationEnabled", "MemberJoinRestriction", "MemberDepartRestriction",
  "HiddenFromAddressListsEnabled", "BypassSecurityGroupManagerCheck", "IgnoreNamingPolicy", "ForceUpgrade", ...WRITE
]

export const REMOVE_DISTRIBUTION_GROUP = ["Identity", "BypassSecurityGroupManagerCheck", ...WRITE]

export const MEMBER_CHANGE = ["Identity", "Member", "BypassSecurityGroupManagerCheck", ...WRITE]

export const UPDATE_MEMBERS = ["Identity", "Members", "BypassSecurityGroupManagerCheck", ...WRITE]

export const GET_MEMBERS = ["Identity", "Credential", "IncludeSoftDeletedObjects", "ResultSize"]

export const GET_RECIPIENT = [
  "Identity", "Anr", "AuthenticationType", "BookmarkDisplayName", "Capabilities", "Filter", "IncludeBookmarkObject",
  "IncludeManagerWithDisplayName", "IncludeSoftDeletedRecipients", "OrganizationalUnit", "Properties", "PropertySet",
  "RecipientPreviewFilter", "RecipientType", "RecipientTypeDetails", "ResultSize", "SortBy"
]
