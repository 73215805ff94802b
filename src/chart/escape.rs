//! kforge's charts hold static manifests: every `{{` and `}}` of a manifest is escaped for
//! Helm's template engine when packaged ([`escape_for_helm`]), and the escapes are undone
//! when an archive is read back ([`unescape_from_helm`]).

/// The escape of `{{`: a Go template action whose output is `{{`.
const OPEN: &str = "{{ \"{{\" }}";
/// The escape of `}}`.
const CLOSE: &str = "{{ \"}}\" }}";

/// Escapes `{{` and `}}` so Helm renders a static manifest back byte-identical. One pass over
/// the original text, so the escapes themselves are never re-escaped.
pub fn escape_for_helm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push_str(OPEN);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push_str(CLOSE);
            rest = after;
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A `{{` that is not one of [`escape_for_helm`]'s escapes: a real Go template action, which
/// only rendering the chart could resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: a Go template action")]
pub struct TemplateAction {
    /// Its line, from 1.
    pub line: usize,
}

impl crate::diag::Failure for TemplateAction {}

/// Undoes [`escape_for_helm`]; any other `{{` is an error with its line. A `{` just before
/// an escape is the text's own (`{}}` is escaped as `{` then the escape of `}}`).
pub fn unescape_from_helm(text: &str) -> Result<String, TemplateAction> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix(OPEN) {
            out.push_str("{{");
            rest = after;
        } else if let Some(after) = tail.strip_prefix(CLOSE) {
            out.push_str("}}");
            rest = after;
        } else if tail.starts_with("{{")
            && !(tail[1..].starts_with(OPEN) || tail[1..].starts_with(CLOSE))
        {
            let line = text[..text.len() - tail.len()].matches('\n').count() + 1;
            return Err(TemplateAction { line });
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_escapes_are_single_pass() {
        assert_eq!(
            escape_for_helm("a {{ b }} c"),
            "a {{ \"{{\" }} b {{ \"}}\" }} c"
        );
        assert_eq!(escape_for_helm("{}}}{"), "{{{ \"}}\" }}}{");
        assert_eq!(escape_for_helm("plain"), "plain");
    }

    #[test]
    fn escapes_are_undone_and_real_actions_refused() {
        assert_eq!(
            unescape_from_helm("a: {{ \"{{\" }} x {{ \"}}\" }}\n").unwrap(),
            "a: {{ x }}\n"
        );
        assert_eq!(
            unescape_from_helm("a: 1\nb: {{ .Values.x }}\n"),
            Err(TemplateAction { line: 2 })
        );
    }

    /// Whatever braces a manifest holds, escaping then unescaping gives it back.
    #[test]
    fn escape_then_unescape_is_the_identity() {
        let cases = [
            "",
            "plain: text\n",
            "a: {{ b }}\n",
            "{}}}{",
            "{{{{}}}}",
            "}{{ \"{{\" }}{",
            "x: '{{ \"}}\" }}'\n{{\n}}",
            "{",
            "}",
            "é{{ü}}ß\n",
        ];
        for text in cases {
            let escaped = escape_for_helm(text);
            assert_eq!(
                unescape_from_helm(&escaped).as_deref(),
                Ok(text),
                "{text:?}"
            );
        }
        // Every string over a small alphabet of braces, up to six characters.
        let alphabet = ['{', '}', ' ', '"', 'a', '\n'];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            texts = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for text in &texts {
                assert_eq!(
                    unescape_from_helm(&escape_for_helm(text)).as_deref(),
                    Ok(text.as_str()),
                    "{text:?}"
                );
            }
        }
    }
}
