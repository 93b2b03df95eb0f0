/**
 * A cmdlet failure as Exchange Online reports it: `details[0].message` is `ErrorId|ExceptionType|text`
 * (spec: exchange-admin-rest.md §5.1). Texts are verbatim from §5.2 where the spec has them.
 * Where the spec marks the HTTP status or the ErrorId UNVERIFIED, the choice is commented here,
 * in one place, so it is easy to change.
 */
export interface ExchangeError {
  readonly _tag: "ExchangeError"
  readonly httpStatus: 400 | 404 | 500
  /** `error.code`: `BadRequest`, `NotFound`, `InternalServerError`. */
  readonly code: string
  /** `error.message`: generic, `Invalid Operation` or `Error executing cmdlet` (§5.1). */
  readonly message: string
  /** Empty when unknown; the wire then reads `|Type|text`, a form seen live (§5.1, S15 #188). */
  readonly errorId: string
  readonly exceptionType: string
  readonly text: string
  /** Parameter-transformation errors come without `details` (§5.1, second capture). */
  readonly withDetails: boolean
  /** `innererror.internalexception.type` (defaults to the exception type). */
  readonly internalType?: string
  readonly internalMessage?: string
}

const NOT_FOUND_TYPE = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException"
const CMDLET_EXECUTION_TYPE = "Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletExecutionException"

/** The domain controller named in not-found texts (§5.2: `'<DC FQDN>'`); any plausible FQDN. */
export const DC_FQDN = "SN6PR01A012DC004.NAMPR01A012.PROD.OUTLOOK.COM"

const make = (
  httpStatus: ExchangeError["httpStatus"],
  errorId: string,
  exceptionType: string,
  text: string,
  options: Partial<Pick<ExchangeError, "withDetails" | "internalType" | "internalMessage" | "message">> = {}
): ExchangeError => ({
  _tag: "ExchangeError",
  httpStatus,
  code: httpStatus === 404 ? "NotFound" : httpStatus === 400 ? "BadRequest" : "InternalServerError",
  message: options.message ?? "Error executing cmdlet",
  errorId,
  exceptionType,
  text,
  withDetails: options.withDetails ?? true,
  ...(options.internalType ? { internalType: options.internalType } : {}),
  ...(options.internalMessage ? { internalMessage: options.internalMessage } : {})
})

/** §5.2, verified: 404 Ex6F9304 for an `-Identity` (group) that does not resolve. */
export const groupNotFound = (identity: string): ExchangeError =>
  make(404, "Ex6F9304", NOT_FOUND_TYPE,
    `The operation couldn't be performed because object '${identity}' couldn't be found on '${DC_FQDN}'.`,
    { internalType: CMDLET_EXECUTION_TYPE, internalMessage: `Exception of type '${CMDLET_EXECUTION_TYPE}' was thrown.` })

/**
 * §5.2: Ex94914C for a `-Member`/`-ManagedBy` recipient that does not resolve. HTTP status UNVERIFIED:
 * 404, like every other ManagementObjectNotFoundException the spec saw (§5.1 last rule).
 */
export const recipientNotFound = (identity: string): ExchangeError =>
  make(404, "Ex94914C", NOT_FOUND_TYPE,
    `Couldn't find object "${identity}". Please make sure that it was spelled correctly or specify a different object.`)

/** §5.2 Ex9E65A2; status UNVERIFIED (S20 saw 500 for New-MailContact): 400, it is the caller's input. */
export const groupAmbiguous = (identity: string): ExchangeError =>
  make(400, "Ex9E65A2", NOT_FOUND_TYPE,
    `The operation couldn't be performed because '${identity}' matches multiple entries.`)

/** §5.2 Ex8155FB; status UNVERIFIED: 400. */
export const recipientAmbiguous = (identity: string): ExchangeError =>
  make(400, "Ex8155FB", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
    `There are multiple recipients matching the identity "${identity}". Please specify a unique value.`)

/**
 * §5.2: 400 [S8], type verified; the sentence is built around S6's regex, ErrorId UNVERIFIED (left empty).
 * `<member>` and `<group>` echo the caller's `-Member` and `-Identity` values (UNVERIFIED).
 */
export const memberAlreadyExists = (member: string, group: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
    `The recipient "${member}" is already a member of the group "${group}".`)

/** §5.2: 400 [S8], type and sentence from S19/S6; ErrorId UNVERIFIED (left empty). */
export const memberNotFound = (member: string, group: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Management.Tasks.MemberNotFoundException",
    `The recipient "${member}" isn't a member of the group "${group}".`)

/**
 * §5.2: text verified (S18); status UNVERIFIED (S20 mentions 409/500): 400, a validation failure of the
 * caller's input, not a server fault. Namespace `Microsoft.Exchange.Data.` as seen in EXO scripts.
 */
export const proxyAddressExists = (address: string, holderName: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Data.ProxyAddressExistsException",
    `The proxy address "SMTP:${address}" is already being used by the proxy addresses or LegacyExchangeDN of "${holderName}". Please choose another proxy address.`)

/** §5.2: text verified (S18); status and type UNVERIFIED: 400, on-prem's ADObjectAlreadyExistsException. */
export const nameInUse = (name: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
    `The name "${name}" is already being used. Please try another name.`)

/** §5.1, verified capture (S7): unknown parameter. */
export const unknownParameters = (names: ReadonlyArray<string>): ExchangeError => {
  const text = `Parameter set cannot be resolved using the specified named parameters. Invalid cmdlet parameters specified. ${names.join(",")}`
  return make(400, "", "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException", text, {
    message: "Invalid Operation",
    internalType: "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException",
    internalMessage: text
  })
}

/** §5.1, verified capture (S7): a value that does not convert; comes without `details`. */
export const cannotConvert = (parameter: string, value: string, type: string, why: string): ExchangeError => {
  const text = `Cannot process argument transformation on parameter '${parameter}'. Cannot convert value "${value}" to type "${type}". Error: "${why}"`
  return make(400, "", "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException", text, {
    message: "Invalid Operation",
    withDetails: false
  })
}

export const invalidEnum = (parameter: string, value: string, type: string, names: ReadonlyArray<string>) =>
  cannotConvert(parameter, value, type,
    `Unable to match the identifier name ${value} to a valid enumerator name. Specify one of the following enumerator names and try again: ${names.join(", ")}`)

/** UNVERIFIED wire form: PowerShell's own text for a missing mandatory parameter. */
export const missingParameter = (cmdlet: string, name: string): ExchangeError =>
  make(400, "", "System.Management.Automation.ParameterBindingException",
    `Cannot process command because of one or more missing mandatory parameters: ${name}.`,
    { message: "Invalid Operation", internalMessage: `${cmdlet}: missing mandatory parameter ${name}` })

/** UNVERIFIED wire form: PowerShell's `[ValidateCount]` text; the 10,000 limit itself is documented (§6). */
export const tooManyValues = (parameter: string, count: number, max: number): ExchangeError =>
  make(400, "", "System.Management.Automation.ParameterBindingValidationException",
    `Cannot validate argument on parameter '${parameter}'. The number of provided arguments (${count}) exceeds the maximum number of allowed arguments (${max}). Provide fewer than ${max} arguments, and then try the command again.`,
    { message: "Invalid Operation" })

/** Exchange's DataValidationException texts (UNVERIFIED ErrorId and status: 400). */
export const tooLong = (max: number, actual: number): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Data.DataValidationException",
    `The length of the property is too long. The maximum length is ${max} and the length of the value provided is ${actual}.`)

export const invalidAlias = (alias: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Data.DataValidationException",
    `Property expression "${alias}" isn't valid. Valid values are: Strings formed with characters from A to Z (uppercase or lowercase), digits from 0 to 9, !, #, $, %, &, ', *, +, -, /, =, ?, ^, _, \`, {, |, } or ~. One or more periods may be embedded in an alias, but each period should be preceded and followed by at least one of the other characters. Unicode characters from U+00A1 to U+00FF are also valid in an alias, but they will be mapped to a best-fit US-ASCII string in the email address, which is generated from such an alias.`)

export const invalidValue = (text: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Data.DataValidationException", text)

/**
 * Writes by a caller who is not an owner, without `-BypassSecurityGroupManagerCheck` (§6: every
 * production client sends it). Text and type from Exchange's OperationRequiresGroupManagerException;
 * status UNVERIFIED: 400.
 */
export const requiresGroupManager = (): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Management.RecipientTasks.OperationRequiresGroupManagerException",
    "You don't have sufficient permissions. This operation can only be performed by a manager of the group.")

/** UNVERIFIED: an owner that is not a mailbox, mail user or mail-enabled security group (§6 rule, no captured text). */
export const invalidOwner = (identity: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Management.RecipientTasks.RecipientTaskException",
    `"${identity}" can't be an owner of the group: owners must be mailboxes, mail users or mail-enabled security groups.`)

/**
 * UNVERIFIED (no capture): a group added to its own membership. Exchange refuses circular membership;
 * text, type and status (400, the caller's input) are the sandbox's choice.
 */
export const memberOfItself = (group: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Management.RecipientTasks.RecipientTaskException",
    `The group "${group}" can't be a member of itself.`)

/** Spec §3.3 (S7): a nextLink replayed with another body, or after its 30-minute expiry. */
export const invalidPagination = (): ExchangeError => {
  const text = "Expired or Invalid pagination request. Default Expiry time is 00:30:00"
  return make(400, "", "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", text, {
    message: "Invalid Operation",
    withDetails: false,
    internalMessage: text
  })
}

/** The request itself is unusable (not JSON, no CmdletInput, too many batch parts). Wire form UNVERIFIED. */
export const badRequest = (text: string): ExchangeError =>
  make(400, "", "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", text, { message: "Invalid Operation" })
