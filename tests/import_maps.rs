//! `kforge import` (issue 35, item 3): objects kforge has values for are mapped to them, not
//! kept verbatim: ServiceAccounts as their component's `serviceAccount`, a Service in front of
//! several workloads, ConfigMaps and Ingresses with labels of their own.

use crate::import::{app, import_and_prove, kept};
use crate::support::TempProject;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: NAME\n  labels: {app: NAME}\nspec:\n  selector:\n    matchLabels: {app: NAME}\n  template:\n    metadata:\n      labels: {app: NAME}\n    spec:\n      serviceAccountName: ACCOUNT\n      containers:\n        - name: main\n          image: 'example.com/NAME:1.0'\n";

fn deployment(name: &str, account: &str) -> String {
    DEPLOY.replace("NAME", name).replace("ACCOUNT", account)
}

// Online Boutique's 11 ServiceAccounts were kept verbatim although the values have
// `serviceAccount`: each is now the `serviceAccount` of the component that runs under it.
#[test]
fn online_boutique_service_accounts_are_their_components_values() {
    let (_t, out, stdout) =
        import_and_prove(&[("prod", &app("microservices-demo/kubernetes-manifests.yaml"))]);
    assert_eq!(kept(&stdout), Vec::<String>::new(), "{stdout}");
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains(
            "    serviceAccount:\n      name: adservice\n      create: true\n      labels: {}\n"
        ),
        "{base}"
    );
}

// An account with labels and annotations of its own maps with them; one with a field the
// values have no key for, or whose token setting is not its pods', stays verbatim with why.
#[test]
fn service_accounts_map_with_their_own_labels_or_stay_kept_with_why() {
    let tmp = TempProject::empty();
    let text = [
        deployment("web", "web-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web-sa\n  labels: {team: shop}\n  annotations: {iam.example.com/role: web}\n".into(),
        deployment("api", "api-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api-sa\nimagePullSecrets: [{name: registry}]\n".into(),
        deployment("db", "db-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: db-sa\n  labels: {app: db}\nautomountServiceAccountToken: false\n".into(),
        deployment("cache", "cache-sa"),
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: cache-sa\n  labels: {app: cache}\n".into(),
    ]
    .join("---\n");
    tmp.write("app.yaml", &text);
    let (_t, out, stdout) = import_and_prove(&[("prod", &tmp.path().join("app.yaml"))]);
    assert_eq!(
        kept(&stdout),
        [
            "ServiceAccount api-sa: its imagePullSecrets: the values have no key for it",
            "ServiceAccount db-sa: its automountServiceAccountToken is not its pods': one value (serviceAccount.automount) says both",
        ]
    );
    let base = std::fs::read_to_string(out.join("environments/base.yaml")).unwrap();
    assert!(
        base.contains("    serviceAccount:\n      name: web-sa\n      create: true\n      labels:\n        team: shop\n      annotations:\n        iam.example.com/role: web\n"),
        "{base}"
    );
    // Labels that are the component's are not written again.
    assert!(
        base.ends_with("    serviceAccount:\n      name: cache-sa\n      create: true\n"),
        "{base}"
    );
}
