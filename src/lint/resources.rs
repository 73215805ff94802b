//! Container resources as the API server validates them beyond their syntax: no negative
//! quantity, and no request above its limit (a limit without a request is the request).

use super::rules::rule_id;
use super::sink::Sink;
use super::workload::tokens;
use crate::manifest::Document;
use crate::yaml::Node;

/// The value of a Kubernetes quantity (`500m`, `1.5Gi`, `1e3`), or `None` if it is not one.
pub fn quantity_value(s: &str) -> Option<f64> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(end);
    let n: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => {
            let exp: i32 = suffix.strip_prefix(['e', 'E'])?.parse().ok()?;
            10f64.powi(exp)
        }
    };
    Some(n * factor)
}

/// The quantity at `resources.<kind>.<res>` of container `c`, as written and as a value.
fn quantity(c: &Node, kind: &str, res: &str) -> Option<(String, f64)> {
    let text = super::provenance::scalar_text(c.get_path(&["resources", kind, res])?)?;
    let v = quantity_value(&text)?;
    Some((text.into_owned(), v))
}

/// Negative quantities and requests above limits in container `c` (at `ct`).
pub fn check(doc: &Document, sink: &mut Sink<'_>, ct: &[String], c: &Node) {
    let name = c.get_path(&["name"]).and_then(Node::as_str).unwrap_or("?");
    let mut names: Vec<&str> = Vec::new();
    for kind in ["requests", "limits"] {
        if let Some(m) = c.get_path(&["resources", kind]).and_then(Node::as_map) {
            names.extend(m.keys().map(String::as_str));
        }
    }
    names.sort_unstable();
    names.dedup();
    for res in names {
        let request = quantity(c, "requests", res);
        let limit = quantity(c, "limits", res);
        for (kind, q) in [("requests", &request), ("limits", &limit)] {
            if let Some((text, v)) = q
                && *v < 0.0
            {
                sink.report(
                    rule_id!("negative-quantity"),
                    doc,
                    &tokens(ct, &["resources", kind, res]),
                    format!("container `{name}`: {kind}.{res} `{text}` is negative"),
                );
            }
        }
        if let (Some((rt, r)), Some((lt, l))) = (&request, &limit)
            && *r > *l
            && *l >= 0.0
        {
            sink.report(
                rule_id!("request-over-limit"),
                doc,
                &tokens(ct, &["resources", "requests", res]),
                format!("container `{name}`: the {res} request `{rt}` is above its limit `{lt}`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quantity_value;

    #[test]
    fn quantities_as_numbers() {
        assert_eq!(quantity_value("500m"), Some(0.5));
        assert_eq!(quantity_value("1Gi"), Some(1024f64.powi(3)));
        assert_eq!(quantity_value("1e3"), Some(1000.0));
        assert_eq!(quantity_value("-1"), Some(-1.0));
        assert_eq!(quantity_value(".5"), Some(0.5));
        assert!(quantity_value("1Gi") > quantity_value("1G"));
        assert_eq!(quantity_value("12 apples"), None);
    }
}
