//! What kforge shows of a registry's replies and of a destination: never a credential, never a
//! control character, never more than a few hundred bytes.

/// `s` with any `user:password@` before the host replaced by `***@`.
pub(super) fn redact_userinfo(s: &str) -> String {
    let start = s.find("://").map_or(0, |i| i + 3);
    let end = s[start..].find('/').map_or(s.len(), |i| start + i);
    match s[start..end].rfind('@') {
        Some(at) => sanitize(&format!("{}***{}", &s[..start], &s[start + at..]), &[], 200),
        None => sanitize(s, &[], 200),
    }
}

/// Text from a registry (or about one) made safe to print: each secret and anything after
/// `Basic ` or `Bearer ` replaced by `[redacted]`, control characters (terminal escapes among
/// them) removed, and at most `max` bytes kept, saying how long it was.
pub fn sanitize(text: &str, secrets: &[&str], max: usize) -> String {
    let mut s = text.to_string();
    for secret in secrets.iter().filter(|x| x.len() >= 3) {
        s = s.replace(secret, "[redacted]");
    }
    for scheme in ["basic", "bearer"] {
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(i) = rest.to_ascii_lowercase().find(scheme) {
            let after = &rest[i + scheme.len()..];
            let token_start = after.len() - after.trim_start().len();
            if token_start == 0 || after.trim_start().is_empty() {
                out.push_str(&rest[..i + scheme.len()]);
                rest = after;
                continue;
            }
            let token = &after[token_start..];
            let end = token
                .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '}'))
                .unwrap_or(token.len());
            out.push_str(&rest[..i + scheme.len()]);
            out.push_str(" [redacted]");
            rest = &token[end..];
        }
        out.push_str(rest);
        s = out;
    }
    let clean: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| !c.is_control() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let clean = clean.trim();
    if clean.len() <= max {
        return clean.to_string();
    }
    let mut cut = max;
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}... ({} bytes in all)", &clean[..cut], clean.len())
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;
    use crate::oci::MAX_MESSAGE_BYTES;

    #[test]
    fn registry_text_is_sanitised_and_bounded() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("bot:pw-123");
        let text = format!(
            "you sent Basic {b64}, and \u{1b}]0;owned\u{7}\u{1b}[2J Bearer abc.def and pw-123"
        );
        let s = sanitize(&text, &["pw-123", &b64], 300);
        assert!(
            !s.contains("pw-123") && !s.contains(&b64) && !s.contains("abc.def"),
            "{s}"
        );
        assert!(!s.contains('\u{1b}') && !s.contains('\u{7}'), "{s:?}");
        let long = sanitize(&"x".repeat(20_000_000), &[], MAX_MESSAGE_BYTES);
        assert!(long.len() < MAX_MESSAGE_BYTES + 40, "{}", long.len());
        assert!(long.ends_with("(20000000 bytes in all)"));
    }
}
