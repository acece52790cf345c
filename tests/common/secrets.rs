//! A corpus of planted secrets and innocent look-alikes, shared by the
//! redaction tests (and meant for end-to-end runs through the logger).
//!
//! Each [`Planted`] is one field of a record: `field` is its name (`""` for
//! the message), `value` its string value, `secret` the substring that must
//! never reach the output. The corpus assumes the production-like
//! configuration: [`fapilog::redact::RedactionConfig::recommended`]
//! (CREDENTIALS + PCI_DSS + CONTACT_INFO, default blocked fields).

/// A secret planted in a field or the message.
#[derive(Clone, Debug)]
pub struct Planted {
    pub field: &'static str,
    pub value: String,
    pub secret: String,
}

fn p(field: &'static str, value: impl Into<String>, secret: &str) -> Planted {
    Planted {
        field,
        value: value.into(),
        secret: secret.to_owned(),
    }
}

/// Same as `p` with the whole value as the secret.
fn whole(field: &'static str, value: &str) -> Planted {
    p(field, value, value)
}

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const JWT_NONE: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJyb290In0.";
const RSA_BODY: &str = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun";
const EC_BODY: &str = "MHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49";
const SSH_BODY: &str = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz";

/// At least 50 planted secrets of every kind the redactor knows.
pub fn planted() -> Vec<Planted> {
    let mut v = vec![
        // Secret field names (masked whole by name).
        whole("password", "hunter2-Pa55"),
        whole("user.password", "correct horse battery staple"),
        whole("Password", "Winter2024!"),
        whole("db_password", "s3cr3t-db-pw"),
        whole("clientSecret", "cs_live_9f8e7d6c5b4a"),
        whole("api_key", "k_0123456789abcdef"),
        whole("x-api-key", "xak_ZZ99YY88XX77"),
        whole("authorization", "Token tk_4815162342"),
        whole("refresh_token", "rt_1a2b3c4d5e6f"),
        whole("session_id", "sess_77aa88bb99cc"),
        p("cookie", "sid=abc123xyz; theme=dark", "abc123xyz"),
        whole("otp", "492817"),
        whole("mfa_code", "118822"),
        whole("card.cvv", "737"),
        whole("private_key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        whole("githubToken", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        whole("smsOtp", "553311"),
        whole("payment.card_number", "5555555555554444"),
        whole("auth", "opaque-auth-value-1"),
        p("body", r#"{"password":"in-body-pw-77"}"#, "in-body-pw-77"),
        p("request_body", "user=bob&pass=form-pw-88", "form-pw-88"),
        // URL credentials, in messages, innocent fields, Debug text.
        p("", "connecting to postgres://app:pg-pass-1@db.internal:5432/app", "pg-pass-1"),
        p("note", "mirror at https://deploy:gh-pass-2@git.example.com/repo.git", "gh-pass-2"),
        p("detail", r#"Config { cache: "redis://:redis-pass-3@cache:6379/0", ttl: 30 }"#, "redis-pass-3"),
        p("dsn", "mongodb+srv://root:mongo-pass-4@cluster0.abcde.mongodb.net/db", "mongo-pass-4"),
        p("", "broker AMQPS://guest:amqp-pass-5@mq.local:5671/vhost", "amqp-pass-5"),
        p("url", "ftp://anon:ftp-pass-6@files.example.org/pub", "ftp-pass-6"),
        p("note", "mysql://report:my@pass-7@10.0.0.8:3306/sales failed", "pass-7"),
        p("", "smtp relay smtps://mailer:smtp-pass-8@smtp.example.com:465", "smtp-pass-8"),
        p("conn", "jdbc:postgresql://etl:jdbc-pass-9@warehouse/dw?ssl=true", "jdbc-pass-9"),
        // Bearer and Basic credentials.
        p("", "upstream rejected Authorization: Bearer ya29.A0ARrdaM-opaque-10", "ya29.A0ARrdaM-opaque-10"),
        p("headers", r#"{"authorization": "bearer sk_live_51HxQ2Lr11", "accept": "*/*"}"#, "sk_live_51HxQ2Lr11"),
        p("note", "retry with Basic dXNlcjpwYXNzd29yZDEy", "dXNlcjpwYXNzd29yZDEy"),
        p("debug", r#"Request { headers: {"Authorization": "BASIC YWRtaW46c2VjcmV0MTM="} }"#, "YWRtaW46c2VjcmV0MTM="),
        // AWS access key ids.
        p("", "using AKIAIOSFODNN7EXAMPLE for uploads", "AKIAIOSFODNN7EXAMPLE"),
        p("note", "temporary creds ASIAY34FZKBOKMUTVV7A expire soon", "ASIAY34FZKBOKMUTVV7A"),
        p("debug", r#"Creds { access_key_id: "AKIA2E0A8F3B244C9986", region: "eu-west-1" }"#, "AKIA2E0A8F3B244C9986"),
        p("event", r#"{"aws":{"key":"AKIAJ5Q7R2XBTN4OZ3LA"}}"#, "AKIAJ5Q7R2XBTN4OZ3LA"),
        // JWTs.
        p("", format!("session restored from {JWT}"), JWT),
        p("note", format!("id_token={JWT_NONE}&state=xyz"), JWT_NONE),
        p("debug", format!("Claims {{ raw: \"{JWT}\" }}"), JWT),
        p("callback", format!("https://app.example.com/cb#access_token={JWT}"), JWT),
        // PEM private keys, real and escaped newlines.
        p("", format!("loaded key:\n-----BEGIN RSA PRIVATE KEY-----\n{RSA_BODY}\n-----END RSA PRIVATE KEY-----\ndone"), RSA_BODY),
        p("debug", format!(r#"Tls {{ key: "-----BEGIN EC PRIVATE KEY-----\n{EC_BODY}\n-----END EC PRIVATE KEY-----\n" }}"#), EC_BODY),
        p("note", format!("-----BEGIN OPENSSH PRIVATE KEY-----\n{SSH_BODY}\n(truncated)"), SSH_BODY),
        // Card numbers that pass Luhn.
        p("", "charged 4111 1111 1111 1111 for order 5512", "4111 1111 1111 1111"),
        p("note", "card 5500-0000-0000-0004 declined", "5500-0000-0000-0004"),
        p("detail", "amex 3782 822463 10005 on file", "3782 822463 10005"),
        p("event", r#"{"pan":"6011000990139424","amount":12.5}"#, "6011000990139424"),
        p("debug", "Payment { number: \"4012888888881881\", exp: \"12/29\" }", "4012888888881881"),
        p("", "fallback card 2223003122003222 used", "2223003122003222"),
        // Contact information.
        p("", "invite sent to jane.doe+work@example.co.uk", "jane.doe+work@example.co.uk"),
        p("note", "contact: <ops-team@corp.example.com>", "ops-team@corp.example.com"),
        p("debug", r#"User { name: "Bob", mail: "bob_smith@mail.example.org" }"#, "bob_smith@mail.example.org"),
        p("", "call +44 20 7946 0958 after 5pm", "+44 20 7946 0958"),
        p("note", "customer phone (202) 555-0143, ext none", "(202) 555-0143"),
        p("detail", "sms to +1-202-555-0199 failed", "+1-202-555-0199"),
        p("event", "callback 415.555.0123 requested", "415.555.0123"),
    ];
    // Two secrets in one string, and a secret inside a URL's query.
    v.push(p(
        "",
        "copied AKIAQWERTYUIOPASDFGH and postgres://a:two-in-one-pass@h/db",
        "two-in-one-pass",
    ));
    v.push(p(
        "note",
        "copied AKIAQWERTYUIOPASDFGH and postgres://a:two-in-one-pass@h/db",
        "AKIAQWERTYUIOPASDFGH",
    ));
    v.push(p(
        "url",
        "https://api.example.com/v1?apikey=x&email=eve@example.net",
        "eve@example.net",
    ));
    // Secrets written as `key=value` / `key: value` inside free text.
    v.extend([
        p(
            "",
            "login failed for bob password=kv-hunter2-x",
            "kv-hunter2-x",
        ),
        p(
            "note",
            r#"Creds { user: "bob", password: "dbg-pw-99" }"#,
            "dbg-pw-99",
        ),
        p(
            "",
            r#"payload {"api_key":"kv-api-123","n":1}"#,
            "kv-api-123",
        ),
        p(
            "detail",
            "refreshed auth_token: tk-kv-777 at 10:30",
            "tk-kv-777",
        ),
        p(
            "query",
            "/cb?user=ann&client_secret=qs-secret-55&state=x",
            "qs-secret-55",
        ),
    ]);
    v
}

/// Fields (name, value) that look a little like secrets but are not: their
/// name is kept and their value comes out byte-identical.
pub fn innocent() -> Vec<(&'static str, &'static str)> {
    vec![
        ("", "request handled in 3.2 ms"),
        ("order_id", "1234567812345678"),
        ("trace", "order 4111111111111112 (not Luhn) shipped"),
        ("id", "20240520123456789"),
        ("ts_ms", "1716201234567"),
        ("ts", "2024-05-20T10:30:00.123+05:30"),
        ("peer", "10.200.30.4:5432"),
        ("host", "db-01.internal:5432"),
        ("version", "v1.22.333 build 4021"),
        ("author", "Jane Doe"),
        ("footprint", "42 MiB"),
        ("tokenizer", "tokenize the input"),
        ("keyboard", "us-intl"),
        ("api_version", "2024-05-01"),
        ("passenger", "seat 12A"),
        ("authority", "example.com"),
        ("note", "Basic configuration loaded"),
        ("note", "the bearer of bad news"),
        ("note", "Bearer token expired"),
        ("url", "https://example.com/path?q=1&page=2"),
        ("url", "ssh://github.com/org/repo.git"),
        ("note", "user@localhost rejected"),
        ("file", "assets/icon@2x.png"),
        ("note", "ASIAN markets open at 9"),
        ("note", "AKIA prefix alone"),
        ("note", "eyJ is how JSON starts in base64"),
        (
            "cert",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        ),
        ("uuid", "550e8400-e29b-41d4-a716-446655440000"),
        (
            "sha",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
        ("note", "call 555-0143 or extension 42"),
        ("amount", "+12.50 EUR, total 1 234 567.89"),
        ("note", "order 2025550143 shipped"),
        ("note", "range 2024-555-123-4567"),
        ("note", "HTTP/1.1 200 OK"),
        ("note", "@channel deploy done"),
        ("note", "price: $1,299.00 (was $1,499.00)"),
        ("coords", "48.8566, 2.3522"),
    ]
}
