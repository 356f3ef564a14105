// WebAuthn for the mobile unlock: turn the server's JSON options into what the browser
// takes (ArrayBuffers), and the browser's credential back into JSON (base64url).

import { post } from "./api.js";

const decode = (text) => {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
};
const encode = (buffer) =>
  btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const descriptors = (list) => (list || []).map((d) => ({ ...d, id: decode(d.id) }));

export async function supported() {
  if (!window.PublicKeyCredential) return false;
  try {
    return await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  } catch {
    return false;
  }
}

function credentialJson(credential) {
  const r = credential.response;
  const response = { clientDataJSON: encode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = encode(r.attestationObject);
    response.transports = r.getTransports?.() || [];
  } else {
    response.authenticatorData = encode(r.authenticatorData);
    response.signature = encode(r.signature);
    if (r.userHandle) response.userHandle = encode(r.userHandle);
  }
  return {
    id: credential.id,
    rawId: encode(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() || {},
  };
}

/** Create a passkey on this device for the signed-in user; returns the server's view of it. */
export async function register(deviceName) {
  const { challenge_id, publicKey } = await post("/v1/api/auth/passkey/register/options");
  const credential = await navigator.credentials.create({
    publicKey: {
      ...publicKey,
      challenge: decode(publicKey.challenge),
      user: { ...publicKey.user, id: decode(publicKey.user.id) },
      excludeCredentials: descriptors(publicKey.excludeCredentials),
    },
  });
  return post("/v1/api/auth/passkey/register/verify", {
    challenge_id,
    credential: credentialJson(credential),
    device_name: deviceName,
  });
}

/** Unlock with any passkey of this site; resolves to a new mobile session. */
export async function unlock() {
  const { challenge_id, publicKey } = await post("/v1/api/auth/passkey/options");
  const credential = await navigator.credentials.get({
    publicKey: { ...publicKey, challenge: decode(publicKey.challenge), allowCredentials: descriptors(publicKey.allowCredentials) },
  });
  return post("/v1/api/auth/passkey/verify", { challenge_id, credential: credentialJson(credential) });
}
