//! Every built-in kind k8s-openapi knows (Kubernetes 1.37): its apiVersion, kind, and a type
//! check by deserialising into its Rust type. Generated from the `impl Resource` list of
//! k8s-openapi 0.29 (`v1_37`); regenerate when that crate is upgraded, then regenerate the kinds'
//! schema table as the `schema_table_is_current` test says.

#[cfg(test)]
use serde_json::Value as Json;

use super::deserialize::{Findings, check_as};
use super::schema::Shape;
use super::schema_table::ROOTS;
use crate::yaml::Node;

/// A built-in kind: its type check and its schema (for required fields and field names).
pub struct Kind {
    /// Deserialises an object into the kind's Rust type.
    pub check: fn(&Node) -> Findings,
    /// The kind's schema, from the generated table.
    pub schema: &'static Shape,
}

macro_rules! kinds {
    ($($ty:path),* $(,)?) => {
        /// `(apiVersion, kind)` of every built-in kind.
        pub const KNOWN: &[(&str, &str)] = &[
            $((
                <$ty as k8s_openapi::Resource>::API_VERSION,
                <$ty as k8s_openapi::Resource>::KIND,
            )),*
        ];

        /// The type check of each kind, in the order of `KNOWN`.
        const CHECKS: &[fn(&Node) -> Findings] = &[$(check_as::<$ty>),*];

        /// The JSON schemas `schemars` derives for every kind, in the order of `KNOWN`, and
        /// the definitions they share (what `schema_table.rs` is generated from).
        #[cfg(test)]
        pub fn json_schemas() -> (Vec<Json>, std::collections::BTreeMap<String, Json>) {
            let mut generator = schemars::SchemaGenerator::default();
            let roots = vec![$(generator.subschema_for::<$ty>().to_value()),*];
            let defs = generator
                .definitions()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (roots, defs)
        }
    };
}

/// The built-in kind `apiVersion`/`kind`, if there is one.
pub fn kind(api_version: &str, kind: &str) -> Option<Kind> {
    let i = KNOWN
        .iter()
        .position(|&(a, k)| k == kind && a == api_version)?;
    Some(Kind {
        check: CHECKS[i],
        schema: ROOTS[i],
    })
}

#[cfg(test)]
mod tests {
    use super::super::schema::{fields_at, missing_required};
    use super::*;

    /// The committed table is what the current k8s-openapi generates. After upgrading it, run
    /// `KFORGE_REGENERATE=1 cargo test --lib schema_table_is_current` and commit the result.
    #[test]
    fn schema_table_is_current() {
        let (roots, defs) = json_schemas();
        assert_eq!(roots.len(), KNOWN.len());
        let text = super::super::schema::generate::table(&roots, &defs);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lint/schema_table.rs");
        if std::env::var_os("KFORGE_REGENERATE").is_some() {
            std::fs::write(path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == text,
            "src/lint/schema_table.rs is stale: run `KFORGE_REGENERATE=1 cargo test --lib \
             schema_table_is_current` and commit it"
        );
    }

    #[test]
    fn required_fields_and_names_come_from_the_schema() {
        let schema = kind("apps/v1", "Deployment").unwrap().schema;
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n\
                    spec: {selector: {}, template: {spec: {containers: [{image: 'a:1'}]}}}\n";
        let file = crate::yaml::SourceFile::new("t", text);
        let obj = crate::yaml::parse_documents(text, &file, crate::yaml::Limits::default())
            .unwrap()
            .remove(0);
        let missing = missing_required(schema, &obj);
        assert_eq!(
            missing,
            vec![(
                vec!["spec", "template", "spec", "containers", "0"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                "name".to_string()
            )]
        );
        let names = fields_at(
            schema,
            &[
                "spec".into(),
                "template".into(),
                "spec".into(),
                "containers".into(),
                "0".into(),
            ],
        );
        assert!(
            names.contains(&"resources") && names.contains(&"image"),
            "{names:?}"
        );
        // A map's values: the labels of the pod template are strings, with no fields.
        assert!(fields_at(schema, &["metadata".into(), "labels".into(), "app".into()]).is_empty());
    }
}

kinds![
    k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1alpha1::MutatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1beta1::MutatingAdmissionPolicyBinding,
    k8s_openapi::api::apiserverinternal::v1alpha1::StorageVersion,
    k8s_openapi::api::apps::v1::ControllerRevision,
    k8s_openapi::api::apps::v1::DaemonSet,
    k8s_openapi::api::apps::v1::Deployment,
    k8s_openapi::api::apps::v1::ReplicaSet,
    k8s_openapi::api::apps::v1::StatefulSet,
    k8s_openapi::api::authentication::v1::SelfSubjectReview,
    k8s_openapi::api::authentication::v1::TokenRequest,
    k8s_openapi::api::authentication::v1::TokenReview,
    k8s_openapi::api::authorization::v1::LocalSubjectAccessReview,
    k8s_openapi::api::authorization::v1::SelfSubjectAccessReview,
    k8s_openapi::api::authorization::v1::SelfSubjectRulesReview,
    k8s_openapi::api::authorization::v1::SubjectAccessReview,
    k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler,
    k8s_openapi::api::autoscaling::v1::Scale,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
    k8s_openapi::api::batch::v1::CronJob,
    k8s_openapi::api::batch::v1::Job,
    k8s_openapi::api::certificates::v1::CertificateSigningRequest,
    k8s_openapi::api::certificates::v1::ClusterTrustBundle,
    k8s_openapi::api::certificates::v1::PodCertificateRequest,
    k8s_openapi::api::certificates::v1beta1::ClusterTrustBundle,
    k8s_openapi::api::certificates::v1beta1::PodCertificateRequest,
    k8s_openapi::api::coordination::v1::Lease,
    k8s_openapi::api::coordination::v1alpha2::LeaseCandidate,
    k8s_openapi::api::coordination::v1beta1::LeaseCandidate,
    k8s_openapi::api::core::v1::Binding,
    k8s_openapi::api::core::v1::ComponentStatus,
    k8s_openapi::api::core::v1::ConfigMap,
    k8s_openapi::api::core::v1::Endpoints,
    k8s_openapi::api::core::v1::Event,
    k8s_openapi::api::core::v1::LimitRange,
    k8s_openapi::api::core::v1::Namespace,
    k8s_openapi::api::core::v1::Node,
    k8s_openapi::api::core::v1::PersistentVolume,
    k8s_openapi::api::core::v1::PersistentVolumeClaim,
    k8s_openapi::api::core::v1::Pod,
    k8s_openapi::api::core::v1::PodTemplate,
    k8s_openapi::api::core::v1::ReplicationController,
    k8s_openapi::api::core::v1::ResourceQuota,
    k8s_openapi::api::core::v1::Secret,
    k8s_openapi::api::core::v1::Service,
    k8s_openapi::api::core::v1::ServiceAccount,
    k8s_openapi::api::discovery::v1::EndpointSlice,
    k8s_openapi::api::events::v1::Event,
    k8s_openapi::api::flowcontrol::v1::FlowSchema,
    k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration,
    k8s_openapi::api::lifecycle::v1alpha1::Eviction,
    k8s_openapi::api::lifecycle::v1alpha1::EvictionRequest,
    k8s_openapi::api::networking::v1::Ingress,
    k8s_openapi::api::networking::v1::IngressClass,
    k8s_openapi::api::networking::v1::IPAddress,
    k8s_openapi::api::networking::v1::NetworkPolicy,
    k8s_openapi::api::networking::v1::ServiceCIDR,
    k8s_openapi::api::node::v1::RuntimeClass,
    k8s_openapi::api::policy::v1::Eviction,
    k8s_openapi::api::policy::v1::PodDisruptionBudget,
    k8s_openapi::api::rbac::v1::ClusterRole,
    k8s_openapi::api::rbac::v1::ClusterRoleBinding,
    k8s_openapi::api::rbac::v1::Role,
    k8s_openapi::api::rbac::v1::RoleBinding,
    k8s_openapi::api::resource::v1::DeviceClass,
    k8s_openapi::api::resource::v1::DeviceTaintRule,
    k8s_openapi::api::resource::v1::ResourceClaim,
    k8s_openapi::api::resource::v1::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1::ResourceSlice,
    k8s_openapi::api::resource::v1alpha3::DeviceTaintRule,
    k8s_openapi::api::resource::v1alpha3::ResourcePoolStatusRequest,
    k8s_openapi::api::resource::v1beta1::DeviceClass,
    k8s_openapi::api::resource::v1beta1::ResourceClaim,
    k8s_openapi::api::resource::v1beta1::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1beta1::ResourceSlice,
    k8s_openapi::api::resource::v1beta2::DeviceClass,
    k8s_openapi::api::resource::v1beta2::DeviceTaintRule,
    k8s_openapi::api::resource::v1beta2::ResourceClaim,
    k8s_openapi::api::resource::v1beta2::ResourceClaimTemplate,
    k8s_openapi::api::resource::v1beta2::ResourceSlice,
    k8s_openapi::api::scheduling::v1::PriorityClass,
    k8s_openapi::api::scheduling::v1alpha3::CompositePodGroup,
    k8s_openapi::api::scheduling::v1alpha3::PodGroup,
    k8s_openapi::api::scheduling::v1alpha3::Workload,
    k8s_openapi::api::scheduling::v1beta1::PodGroup,
    k8s_openapi::api::scheduling::v1beta1::Workload,
    k8s_openapi::api::storage::v1::CSIDriver,
    k8s_openapi::api::storage::v1::CSINode,
    k8s_openapi::api::storage::v1::CSIStorageCapacity,
    k8s_openapi::api::storage::v1::StorageClass,
    k8s_openapi::api::storage::v1::VolumeAttachment,
    k8s_openapi::api::storage::v1::VolumeAttributesClass,
    k8s_openapi::api::storagemigration::v1::StorageVersionMigration,
    k8s_openapi::api::storagemigration::v1beta1::StorageVersionMigration,
    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
];
