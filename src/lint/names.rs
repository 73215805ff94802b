//! `metadata.name` as the API server validates it, per kind: most kinds take a DNS-1123
//! subdomain; Namespaces a DNS-1123 label; Services a DNS-1035 label (a letter first); the RBAC
//! kinds any path segment (`system:aggregated-metrics-reader`, `Team_Reader`); CronJobs at most
//! 52 characters (the controller appends an 11-character suffix to name its Jobs).

/// The name rule of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// Lower-case alphanumerics, `-` and `.`, at most 253 characters (most kinds).
    Subdomain,
    /// Lower-case alphanumerics and `-`, at most 63 characters (Namespace).
    Label,
    /// A DNS-1123 label that starts with a letter (Service).
    Dns1035,
    /// Anything but `.`, `..` and names holding `/` or `%` (Role, ClusterRole and their
    /// bindings).
    PathSegment,
}

/// The rule the API server applies to the names of `kind`.
pub fn name_rule(kind: &str) -> NameRule {
    match kind {
        "Namespace" => NameRule::Label,
        "Service" => NameRule::Dns1035,
        "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => NameRule::PathSegment,
        _ => NameRule::Subdomain,
    }
}

/// What is wrong with `name` as the name of a `kind`, or `None` when the API server takes it.
pub fn name_problem(kind: &str, name: &str) -> Option<String> {
    let rule = name_rule(kind);
    let max = match (rule, kind) {
        (_, "CronJob") => 52,
        (NameRule::Subdomain, _) => 253,
        (NameRule::Label | NameRule::Dns1035, _) => 63,
        (NameRule::PathSegment, _) => usize::MAX,
    };
    if name.len() > max {
        return Some(format!(
            "is {} characters long; a {kind} name may have at most {max}",
            name.len()
        ));
    }
    let characters = match rule {
        NameRule::PathSegment => {
            if name == "." || name == ".." {
                return Some(format!(
                    "may not be `{name}` (a {kind} name is a path segment)"
                ));
            }
            return name
                .contains(['/', '%'])
                .then(|| format!("may not contain `/` or `%` (a {kind} name is a path segment)"));
        }
        NameRule::Subdomain => name.split('.').all(is_label),
        NameRule::Label => is_label(name),
        NameRule::Dns1035 => is_label(name) && name.starts_with(|c: char| c.is_ascii_lowercase()),
    };
    (!characters).then(|| {
        match rule {
            NameRule::Subdomain => "must be lower-case letters, digits, `-` and `.`, each dot-separated part starting and ending with a letter or digit (a DNS-1123 subdomain)",
            NameRule::Label => "must be lower-case letters, digits and `-`, starting and ending with a letter or digit (a DNS-1123 label)",
            _ => "must be lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit (a DNS-1035 label)",
        }
        .to_string()
    })
}

/// A DNS-1123 label's characters (length apart; Kubernetes limits a subdomain's length as a
/// whole, not its parts'): `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
pub(super) fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::name_problem;

    #[test]
    fn names_per_kind_as_the_api_server_validates_them() {
        // RBAC names are path segments (kube-prometheus, metrics-server use these).
        assert_eq!(
            name_problem("ClusterRole", "system:aggregated-metrics-reader"),
            None
        );
        assert_eq!(name_problem("RoleBinding", "Team_Reader"), None);
        assert!(
            name_problem("Role", "a/b")
                .unwrap()
                .contains("path segment")
        );
        assert!(name_problem("Role", "..").is_some());
        assert!(
            name_problem("ConfigMap", "Team_Reader")
                .unwrap()
                .contains("subdomain")
        );
        assert_eq!(name_problem("ConfigMap", "a.b-c"), None);
        // A Service name starts with a letter; a Namespace name is a label.
        assert!(
            name_problem("Service", "1web")
                .unwrap()
                .contains("DNS-1035")
        );
        assert_eq!(name_problem("Deployment", "1web"), None);
        assert!(
            name_problem("Namespace", "a.b")
                .unwrap()
                .contains("DNS-1123 label")
        );
        let long = "a".repeat(64);
        assert!(
            name_problem("Service", &long)
                .unwrap()
                .contains("at most 63")
        );
        assert_eq!(name_problem("Deployment", &long), None);
        assert!(
            name_problem("CronJob", &"a".repeat(53))
                .unwrap()
                .contains("at most 52")
        );
        assert!(
            name_problem("ConfigMap", &"a".repeat(254))
                .unwrap()
                .contains("254 characters")
        );
    }
}
