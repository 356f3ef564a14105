// Every stable error code the pages can meet, as a sentence for people.

const MESSAGES = {
  invalid_credentials: "That username and password don't match. Check them and try again.",
  wrong_environment: null, // the server's message says which switch to use
  locked: "Too many failed attempts: this account is locked for now.",
  rate_limited: "Too many attempts. Please wait before trying again.",
  factor_unavailable: "That method isn't set up for your account. Choose another one.",
  challenge_required: "Ask for a new code first.",
  challenge_expired: "That code has expired. Ask for a new one.",
  invalid_code: "That code isn't right. Check it and try again.",
  code_reused: "That code was already used. Wait for the next one in your app.",
  card_spent: "Your code card has no unused cells left. Use another method and order a new card.",
  resend_limit: "No more codes can be sent for this sign-in. Start over in a little while.",
  login_not_found: "This sign-in has ended. Please start again.",
  login_expired: "This sign-in took too long and has expired. Please start again.",
  password_change_required: "Your password is temporary: change it before you continue.",
  not_authenticated: "Please sign in.",
  session_expired: "Your session has ended. Please sign in again.",
  csrf_failed: "This page is out of date. Reload it and try again.",
  push_denied: "The sign-in was denied on your Gatehouse Key. Start over if that was a mistake.",
  push_wrong_number: "The wrong number was chosen on your Gatehouse Key. Start over and pick the number shown here.",
  push_not_found: "That Gatehouse Key request has ended. Ask for a new one.",
  push_already_decided: "That Gatehouse Key request was already answered.",
  unknown_instrument: "No instrument matches that symbol.",
  short_not_allowed: null,
  sell_exceeds_position: null,
  no_market_price: null,
  invalid_order_transition: null,
  passkey_rejected: "Your passkey wasn't accepted. Try again, or sign in with your password.",
  reauth_required: "For your security, sign in with your password and second factor again.",
  network_error: "Cannot reach Gatehouse. Check your connection and try again.",
  internal_error: "Something went wrong on our side. Please try again.",
  invalid_input: null,
  weak_password: null,
  recovery_failed: "The answers or the code are not right. Check them and try again.",
  recovery_not_found: "This recovery has ended (it took too long or failed too often). Please start again.",
  invalid_recovery_token: null,
  not_found: null,
  already_exists: null,
  order_rejected: null,
  insufficient_funds: null,
};

/** A sentence for an ApiError (or any error), with the wait spelled out when there is one. */
export function describe(error) {
  const fixed = MESSAGES[error?.code];
  const text = fixed || error?.message || "Something went wrong. Please try again.";
  if (error?.code === "locked" && error.details?.retry_after === null) {
    // locked until unlocked: the server says how (support, or a password reset)
    return error.message || "This account is locked. Contact support to unlock it.";
  }
  return text;
}

/** "1:05", "12:00": a wait in minutes and seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
