//! Upgrade rules about how a release rolls out rather than what the API server refuses to
//! update: replicas left to an autoscaler, a strategy server-side apply cannot switch, a hook
//! made a plain object. Methods of [`super::Check`], in their own file.

use super::{Check, rule_id};
use crate::diag::Severity;
use crate::manifest::Document;
use crate::yaml::{Node, to_json};

impl Check<'_> {
    /// `spec.replicas` written in the last release and left out now (an autoscaler took over):
    /// Helm's three-way merge removes the field, the API server defaults it to 1, and the
    /// workload scales down to one pod until the autoscaler scales it up again.
    pub(super) fn replicas_dropped(&mut self, old: &Document, new: &Document) {
        let replicas = |d: &Document| d.node.get_path(&["spec", "replicas"]).map(to_json);
        let Some(before) = replicas(old) else {
            return;
        };
        if replicas(new).is_some() || before.as_i64().is_some_and(|n| n <= 1) {
            return;
        }
        self.report_as(
            rule_id!("replicas-dropped"),
            None,
            new,
            &["spec"],
            format!(
                "spec.replicas ({before} in the last release) is no longer written: `helm upgrade` removes it, Kubernetes sets it to 1, and {} {} scales down to one pod until an autoscaler scales it up again",
                new.kind, new.name
            ),
            None,
        );
    }

    /// A Deployment switched to `Recreate` whose last release left `rollingUpdate` to the API
    /// server's defaults: client-side apply (Helm 3, `kubectl apply`) clears it through the
    /// strategy's `retainKeys` patch strategy, but server-side apply (`kubectl apply
    /// --server-side`, Helm 4) keeps the defaulted field nobody owns, and the API server then
    /// rejects the Deployment.
    pub(super) fn recreate_after_default_rolling_update(&mut self, old: &Document, new: &Document) {
        let kind_of = |d: &Document| {
            d.node
                .get_path(&["spec", "strategy", "type"])
                .and_then(Node::as_str)
                .unwrap_or("RollingUpdate")
                .to_string()
        };
        if kind_of(old) != "RollingUpdate"
            || kind_of(new) != "Recreate"
            || old
                .node
                .get_path(&["spec", "strategy", "rollingUpdate"])
                .is_some()
        {
            return;
        }
        self.report_as(
            rule_id!("recreate-server-side"),
            None,
            new,
            &["spec", "strategy"],
            "spec.strategy.type changes from RollingUpdate to Recreate while the last release left rollingUpdate to the API server's defaults: under server-side apply (`kubectl apply --server-side`, Helm 4) nobody owns the defaulted rollingUpdate, it is kept, and the API server rejects the Deployment: `spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'`".to_string(),
            None,
        );
    }

    /// An object the last release created as a Helm hook, a plain object of the release now:
    /// Helm creates it, and fails if the hook's object is still there, as it is unless its
    /// delete policy removed it (`hook-succeeded`, after a success).
    pub(super) fn hook_became_plain(&mut self, hook: &Document, new: &Document) {
        let Some(was) = hook.hook() else {
            return;
        };
        let (policy, events) = (&was.delete_policy, was.events.join(","));
        let (severity, why) = if was.deleted_on_success() {
            (
                Some(Severity::Warning),
                Some(format!(
                    "its delete policy `{policy}` removes it after a success: the upgrade fails only if its last run failed and it is still there"
                )),
            )
        } else {
            (None, None)
        };
        self.report_as(
            rule_id!("hook-became-plain"),
            severity,
            new,
            &["metadata", "name"],
            format!(
                "was a Helm hook (`helm.sh/hook: {events}`) in the last release and is a plain object of the release now; a hook is not part of the release, and with delete policy `{policy}` it stays in the cluster after it runs, so `helm upgrade` fails creating this one: `{} \"{}\" ... exists and cannot be imported into the current release: invalid ownership metadata`",
                new.kind, new.name
            ),
            why,
        );
    }
}
