//! Rules on Jobs and CronJobs: what the API server rejects (the schedule, the time zone, a
//! restart policy of Always) and what makes a Helm hook Job hang an install or upgrade.

use super::cron::{schedule_problem, time_zone_problem};
use super::rules::rule_id;
use super::sink::{Sink, path};
use crate::manifest::{Document, HookKind};
use crate::yaml::{Node, Value};

/// The Job and CronJob rules for one document.
pub fn check(doc: &Document, sink: &mut Sink<'_>) {
    let batch_api = doc
        .node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with("batch/"));
    if !batch_api {
        return;
    }
    match doc.kind.as_str() {
        "CronJob" => {
            schedule(doc, sink);
            restart_policy(
                doc,
                &["spec", "jobTemplate", "spec", "template", "spec"],
                sink,
            );
        }
        "Job" => {
            restart_policy(doc, &["spec", "template", "spec"], sink);
            hook_job(doc, sink);
        }
        _ => {}
    }
}

fn schedule(doc: &Document, sink: &mut Sink<'_>) {
    // A schedule that is not a string is the type check's finding.
    if let Some(s) = doc
        .node
        .get_path(&["spec", "schedule"])
        .and_then(Node::as_str)
        && let Some(problem) = schedule_problem(s)
    {
        sink.report(
            rule_id!("cron-schedule"),
            doc,
            &path(&["spec", "schedule"]),
            format!("schedule `{s}` is not valid cron: {problem}"),
        );
    }
    if let Some(zone) = doc
        .node
        .get_path(&["spec", "timeZone"])
        .and_then(Node::as_str)
        && let Some(problem) = time_zone_problem(zone)
    {
        sink.report(
            rule_id!("cron-schedule"),
            doc,
            &path(&["spec", "timeZone"]),
            problem,
        );
    }
}

/// Kubernetes `validateJobSpec`: a Job's pods restart `OnFailure` or `Never`; the pod default
/// (`Always`) is refused, so leaving the field out is refused too.
fn restart_policy(doc: &Document, pod: &[&str], sink: &mut Sink<'_>) {
    let Some(spec) = doc.node.get_path(pod) else {
        return;
    };
    let policy = spec.get_path(&["restartPolicy"]).and_then(Node::as_str);
    if matches!(policy, Some("OnFailure" | "Never")) {
        return;
    }
    let mut at = path(pod);
    at.push("restartPolicy".into());
    let message = match policy {
        None => "the pod template has no restartPolicy, so it defaults to Always, which the API server refuses for a Job".to_string(),
        Some(p) => format!("restartPolicy `{p}` is refused by the API server for a Job"),
    };
    sink.report(rule_id!("job-restart-policy"), doc, &at, message);
}

/// A lifecycle hook Job without `backoffLimit` retries a failing pod 6 times (Kubernetes'
/// default) with delays of 10 s, 20 s, 40 s... (over ten minutes in all), past Helm's default
/// 5-minute `--timeout`: the upgrade times out instead of reporting the hook's failure.
fn hook_job(doc: &Document, sink: &mut Sink<'_>) {
    let Some(hook) = doc.hook() else {
        return;
    };
    if hook.kind != HookKind::Lifecycle {
        return;
    }
    let limit = doc.node.get_path(&["spec", "backoffLimit"]);
    if limit.is_none_or(|n| matches!(n.value, Value::Null)) {
        sink.report(
            rule_id!("hook-job"),
            doc,
            &path(&["spec", "backoffLimit"]),
            format!(
                "Helm hook Job ({}) has no spec.backoffLimit: a failing hook retries 6 times before Helm learns it failed",
                hook.events.join(",")
            ),
        );
    }
}
