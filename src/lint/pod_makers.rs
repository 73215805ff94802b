//! Custom resources whose operators create pods: only these make a Service that selects no
//! workload of the set a warning instead of an error (`service-selector`). An unrelated custom
//! resource (a certificate, a route) says nothing about where pods come from. The list is
//! extended per project with `podCreatingKinds:` in kforge-lint.yaml.

use super::config::Options;
use crate::manifest::Document;
use crate::yaml::Node;

/// `group/Kind` of the custom resources known to create pods (documented by
/// `kforge lint --explain service-selector`).
pub const POD_CREATING_KINDS: &[&str] = &[
    "acid.zalan.do/postgresql",
    "apps.kruise.io/CloneSet",
    "apps.kruise.io/DaemonSet",
    "apps.kruise.io/StatefulSet",
    "apps.openshift.io/DeploymentConfig",
    "argoproj.io/Rollout",
    "argoproj.io/Workflow",
    "batch.volcano.sh/Job",
    "elasticsearch.k8s.elastic.co/Elasticsearch",
    "flink.apache.org/FlinkDeployment",
    "kafka.strimzi.io/Kafka",
    "kibana.k8s.elastic.co/Kibana",
    "kubeflow.org/MPIJob",
    "kubeflow.org/Notebook",
    "kubeflow.org/PyTorchJob",
    "kubeflow.org/TFJob",
    "minio.min.io/Tenant",
    "mongodbcommunity.mongodb.com/MongoDBCommunity",
    "monitoring.coreos.com/Alertmanager",
    "monitoring.coreos.com/Prometheus",
    "monitoring.coreos.com/PrometheusAgent",
    "monitoring.coreos.com/ThanosRuler",
    "opentelemetry.io/OpenTelemetryCollector",
    "postgresql.cnpg.io/Cluster",
    "rabbitmq.com/RabbitmqCluster",
    "ray.io/RayCluster",
    "ray.io/RayJob",
    "ray.io/RayService",
    "serving.knative.dev/Service",
    "sparkoperator.k8s.io/SparkApplication",
];

/// `group/Kind` of an object (the group is the apiVersion before its `/`).
pub fn group_kind(doc: &Document) -> String {
    let api = doc
        .node
        .get_path(&["apiVersion"])
        .and_then(Node::as_str)
        .unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    format!("{group}/{}", doc.kind)
}

/// Whether `doc` is a custom resource of a kind known to create pods (built in, or named in
/// `podCreatingKinds:`).
pub fn creates_pods(doc: &Document, opts: &Options) -> bool {
    let gk = group_kind(doc);
    POD_CREATING_KINDS.contains(&gk.as_str()) || opts.pod_creating_kinds.contains(&gk)
}
