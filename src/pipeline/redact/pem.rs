//! PEM private-key blocks: from `-----BEGIN <label>-----`, where the label
//! ends with `PRIVATE KEY` (`RSA PRIVATE KEY`, `EC PRIVATE KEY`, `OPENSSH
//! PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, …), `PRIVATE KEY BLOCK` (OpenPGP
//! armor: `PGP PRIVATE KEY BLOCK`) or `SECRET KEY BLOCK` (older PGP's `PGP
//! SECRET KEY BLOCK`), through the matching `-----END <label>-----`,
//! replaced whole by one mask. Line breaks may be
//! real or escaped (`\n` in Debug or JSON text): only the markers matter.
//! A block with no matching END line is masked to the end of the string: a
//! truncated key is still a key. Certificates and public keys are left alone.

use memchr::memmem::Finder;

/// The longest label looked at between `-----BEGIN ` and `-----`.
const MAX_LABEL: usize = 64;

/// The span of the private-key block whose `-----BEGIN ` starts at `i`.
pub(super) fn private_key_block_at(
    t: &[u8],
    i: usize,
    end_marker: &Finder<'_>,
) -> Option<(usize, usize)> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let label_start = i + BEGIN.len();
    let window = &t[label_start..t.len().min(label_start + MAX_LABEL + 5)];
    let label_len = memchr::memmem::find(window, b"-----")?;
    let label = &window[..label_len];
    if !is_private_key_label(label) || label.contains(&b'\n') {
        return None;
    }
    let mut from = label_start + label_len + 5;
    while let Some(p) = end_marker.find(&t[from..]) {
        // `end_marker` is "-----END "
        let at = from + p + 9;
        if t[at..].starts_with(label) && t[at + label.len()..].starts_with(b"-----") {
            return Some((i, at + label.len() + 5));
        }
        from = at;
    }
    Some((i, t.len()))
}

/// True for the labels of private-key blocks (module docs).
fn is_private_key_label(label: &[u8]) -> bool {
    [
        &b"PRIVATE KEY"[..],
        b"PRIVATE KEY BLOCK",
        b"SECRET KEY BLOCK",
    ]
    .iter()
    .any(|end| label.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(s: &str) -> Option<&str> {
        let i = s.find("-----BEGIN ")?;
        let end = Finder::new(b"-----END ");
        private_key_block_at(s.as_bytes(), i, &end).map(|(a, b)| &s[a..b])
    }

    #[test]
    fn whole_blocks() {
        let key =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
        assert_eq!(block(&format!("key: {key}\nnext")), Some(key));
        let escaped = r"-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----";
        assert_eq!(
            block(&format!("Key {{ pem: \"{escaped}\" }}")),
            Some(escaped)
        );
        // An END line of another label does not close the block.
        let s = "-----BEGIN EC PRIVATE KEY-----\nabc\n-----END CERTIFICATE-----\nxyz\n-----END EC PRIVATE KEY-----!";
        assert_eq!(block(s), Some(&s[..s.len() - 1]));
    }

    /// Review finding: an OpenPGP private key (armor label `… PRIVATE KEY
    /// BLOCK`) was not masked.
    #[test]
    fn pgp_private_key_blocks() {
        let key = "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\nlQOYBF secret\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----";
        assert_eq!(block(&format!("key:\n{key}\nnext")), Some(key));
        let old =
            "-----BEGIN PGP SECRET KEY BLOCK-----\nlQOYBF\n-----END PGP SECRET KEY BLOCK-----";
        assert_eq!(block(old), Some(old));
        // The END line must match the label: a public key block's does not.
        let s =
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQ\n-----END PGP PUBLIC KEY BLOCK-----\nrest";
        assert_eq!(block(s), Some(s));
    }

    #[test]
    fn unterminated_block_runs_to_the_end() {
        let s = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA (truncated";
        assert_eq!(block(s), Some(s));
    }

    #[test]
    fn not_private_keys() {
        for s in [
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBF\n-----END PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP SIGNATURE-----\niQIzBA\n-----END PGP SIGNATURE-----",
            "-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----",
            "-----BEGIN PRIVATE KEY BLOCKS-----\nx\n-----END PRIVATE KEY BLOCKS-----",
            "-----BEGIN PRIVATE KEY",
            "-----BEGIN \nPRIVATE KEY-----",
            "-----BEGIN ",
        ] {
            assert_eq!(block(s), None, "{s}");
        }
    }
}
