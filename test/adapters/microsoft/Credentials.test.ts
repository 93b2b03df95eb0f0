import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { createPrivateKey, generateKeyPairSync, X509Certificate } from "node:crypto"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Credentials from "../../../src/adapters/microsoft/Credentials.ts"

const fixture = readFileSync(new URL("./fixtures/test-certificate.pem", import.meta.url), "utf8")
const certificatePem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(fixture)![0]
const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(fixture)![0]
const dir = mkdtempSync(join(tmpdir(), "dl-api-cert-"))
const file = (name: string, content: string) => {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}
const plainPath = file("plain.pem", fixture)
const encryptedPath = file(
  "encrypted.pem",
  `${certificatePem}\n${createPrivateKey(keyPem).export({ format: "pem", type: "pkcs8", cipher: "aes-256-cbc", passphrase: "s3cret-pw" })}`
)
const secret = Redacted.make("the-client-secret")

describe("credential settings", () => {
  it.effect.each([
    [{}, ["CLIENT_SECRET", "CLIENT_CERTIFICATE_PATH", "USE_MANAGED_IDENTITY"], /no credential/],
    [{ CLIENT_SECRET: secret, CLIENT_CERTIFICATE_PATH: plainPath }, ["CLIENT_SECRET", "CLIENT_CERTIFICATE_PATH"], /contradictory/],
    [{ CLIENT_SECRET: secret, USE_MANAGED_IDENTITY: true }, ["CLIENT_SECRET", "USE_MANAGED_IDENTITY"], /contradictory/],
    [
      { CLIENT_SECRET: secret, CLIENT_CERTIFICATE_PASSWORD: Redacted.make("pw") },
      ["CLIENT_CERTIFICATE_PASSWORD", "CLIENT_CERTIFICATE_PATH"],
      /needs a certificate path/
    ],
    [
      { CLIENT_SECRET: secret, MANAGED_IDENTITY_CLIENT_ID: "mi" },
      ["MANAGED_IDENTITY_CLIENT_ID", "USE_MANAGED_IDENTITY"],
      /USE_MANAGED_IDENTITY=true/
    ]
  ] as const)("rejects %j", ([raw, variables, problem]) =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Credentials.credentialFrom(raw, "app"))
      assert.deepStrictEqual(error.variables, variables)
      assert.match(error.message, problem)
    }))

  it.effect("a secret or certificate needs CLIENT_ID; managed identity does not", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Credentials.credentialFrom({ CLIENT_SECRET: secret }, undefined))
      assert.deepStrictEqual(error.variables, ["CLIENT_ID", "CLIENT_SECRET"])
      const identity = yield* Credentials.credentialFrom({ USE_MANAGED_IDENTITY: true, MANAGED_IDENTITY_CLIENT_ID: "mi-1" }, undefined)
      assert.deepStrictEqual(identity, { _tag: "ManagedIdentity", userAssignedClientId: "mi-1" })
    }))

  it.effect("a blank secret counts as unset", () =>
    Effect.gen(function*() {
      const credential = yield* Credentials.credentialFrom({ CLIENT_SECRET: Redacted.make(" "), USE_MANAGED_IDENTITY: true }, "app")
      assert.strictEqual(credential._tag, "ManagedIdentity")
    }))

  it.effect("errors never echo the secret", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Credentials.credentialFrom({ CLIENT_SECRET: secret, USE_MANAGED_IDENTITY: true }, "app"))
      assert.notInclude(JSON.stringify(error) + error.message, "the-client-secret")
    }))

  it.effect("a certificate PEM yields its SHA-256 thumbprint and the key", () =>
    Effect.gen(function*() {
      const credential = yield* Credentials.credentialFrom({ CLIENT_CERTIFICATE_PATH: plainPath }, "app")
      assert.strictEqual(credential._tag, "Certificate")
      if (credential._tag !== "Certificate") return
      const expected = new X509Certificate(certificatePem).fingerprint256.replaceAll(":", "").toLowerCase()
      assert.strictEqual(credential.thumbprintSha256, expected)
      assert.match(credential.thumbprintSha256, /^[0-9a-f]{64}$/)
      assert.match(Redacted.value(credential.privateKey), /^-----BEGIN PRIVATE KEY-----/)
    }))

  it.effect("an encrypted key is decrypted with CLIENT_CERTIFICATE_PASSWORD", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Credentials.credentialFrom({ CLIENT_CERTIFICATE_PATH: encryptedPath }, "app"))
      assert.deepStrictEqual(missing.variables, ["CLIENT_CERTIFICATE_PASSWORD"])
      const wrong = yield* Effect.flip(
        Credentials.credentialFrom({ CLIENT_CERTIFICATE_PATH: encryptedPath, CLIENT_CERTIFICATE_PASSWORD: Redacted.make("nope") }, "app")
      )
      assert.match(wrong.message, /cannot decrypt/)
      assert.notInclude(wrong.message, "nope")
      const credential = yield* Credentials.credentialFrom(
        { CLIENT_CERTIFICATE_PATH: encryptedPath, CLIENT_CERTIFICATE_PASSWORD: Redacted.make("s3cret-pw") },
        "app"
      )
      assert.strictEqual(credential._tag, "Certificate")
    }))

  it.effect.each([
    ["missing.pem", undefined, /cannot read the file/],
    ["only-cert.pem", certificatePem, /PRIVATE KEY block/],
    ["foreign-key.pem", `${certificatePem}\n${otherKey()}`, /does not belong/]
  ] as const)("rejects the certificate file %s", ([name, content, problem]) =>
    Effect.gen(function*() {
      const path = content === undefined ? join(dir, name) : file(name, content)
      const error = yield* Effect.flip(Credentials.credentialFrom({ CLIENT_CERTIFICATE_PATH: path }, "app"))
      assert.deepStrictEqual(error.variables, ["CLIENT_CERTIFICATE_PATH"])
      assert.match(error.message, problem)
    }))
})

function otherKey(): string {
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString()
}
