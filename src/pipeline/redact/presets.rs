//! What each preset turns on: exact field names, name patterns and value
//! scanners.

/// A bundle of rules, as in the Python library's presets. Compose several
/// with [`RedactionConfig::with_preset`](super::RedactionConfig::with_preset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// Secret field names ([`CREDENTIAL_NAMES`] and the secret-name
    /// patterns), and value scans for URL credentials, `Bearer`/`Basic`
    /// credentials, AWS access key ids, JWTs and PEM private-key blocks.
    Credentials,
    /// Field names [`CONTACT_NAMES`], and value scans for e-mail addresses
    /// and phone numbers.
    ContactInfo,
    /// Field names [`PCI_NAMES`], and a value scan for card numbers that pass
    /// the Luhn check.
    PciDss,
}

/// Exact field names masked by [`Preset::Credentials`] (the Python library's
/// CREDENTIALS preset, and `set_cookie`, `cookies`, `passphrase`,
/// `credential`, `credentials`). Like every exact name, each matches in any
/// case and with any separators (`session-id`, `sessionId`, `Set-Cookie`)
/// and with trailing digits (`password2`).
pub const CREDENTIAL_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "credential",
    "credentials",
    "secret",
    "api_secret",
    "client_secret",
    "shared_secret",
    "token",
    "access_token",
    "refresh_token",
    "auth_token",
    "bearer_token",
    "jwt",
    "api_key",
    "apikey",
    "api_token",
    "private_key",
    "secret_key",
    "signing_key",
    "encryption_key",
    "authorization",
    "auth_header",
    "session_id",
    "session_token",
    "session_key",
    "cookie",
    "cookies",
    "set_cookie",
    "session_cookie",
    "auth_cookie",
    "otp",
    "totp",
    "mfa_code",
    "verification_code",
];

/// Exact field names masked by [`Preset::PciDss`].
pub const PCI_NAMES: &[&str] = &[
    "card_number",
    "cardnumber",
    "card_no",
    "credit_card",
    "creditcard",
    "cc_number",
    "ccnum",
    "pan",
    "cvv",
    "cvv2",
    "cvc",
    "cvc2",
    "card_cvv",
    "expiry",
    "expiry_date",
    "exp_date",
    "card_expiry",
];

/// Exact field names masked by [`Preset::ContactInfo`].
pub const CONTACT_NAMES: &[&str] = &[
    "email",
    "email_address",
    "phone",
    "phone_number",
    "mobile_number",
    "telephone",
];

/// Fields that [`RedactionConfig::recommended`](super::RedactionConfig::recommended)
/// blocks (replaces whole): request and response bodies and raw payloads.
pub const DEFAULT_BLOCKED_FIELDS: &[&str] =
    &["body", "request_body", "response_body", "payload", "raw"];
