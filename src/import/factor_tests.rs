//! Tests of factor.rs: base and overlays, what components share, lifts.

use super::*;
use serde_json::json;

#[test]
fn shared_leaves_go_to_base_and_overlays_hold_differences() {
    let dev = json!({"web": {"replicaCount": 1, "env": {"A": "1", "B": "dev"}}, "only": {"x": 1}});
    let prod = json!({"web": {"replicaCount": 3, "env": {"A": "1", "B": "prod"}}});
    let base = common(&[&dev, &prod]).unwrap();
    assert_eq!(base, json!({"web": {"env": {"A": "1"}}}));
    // env shares only a common prefix: B before A in one environment shares nothing.
    let other = json!({"env": {"B": "1", "A": "1"}});
    assert_eq!(
        common(&[&json!({"env": {"A": "1", "B": "1"}}), &other]),
        None
    );
    assert_eq!(
        overlay(&base, &dev).unwrap(),
        json!({"web": {"replicaCount": 1, "env": {"B": "dev"}}, "only": {"x": 1}})
    );
    assert_eq!(
        overlay(&base, &prod).unwrap(),
        json!({"web": {"replicaCount": 3, "env": {"B": "prod"}}})
    );
    // A key base has that an environment lacks is deleted there.
    assert_eq!(
        overlay(&json!({"a": 1, "b": 2}), &json!({"a": 1})).unwrap(),
        json!({"b": null})
    );
}

#[test]
fn a_sidecar_most_components_run_is_written_once_and_the_others_delete_it() {
    let proxy = json!({
        "image": {"repository": "proxy", "tag": "2"},
        "args": ["--port=5432", "--structured-logs"],
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
    });
    let with = |n: &str| json!({"objectName": n, "sidecars": {"proxy": proxy}});
    let components = [with("a"), with("b"), with("c"), json!({"objectName": "d"})];
    let all: Vec<&Json> = components.iter().collect();
    let shared = shared_by_components(&all);
    assert_eq!(shared, json!({"sidecars": {"proxy": proxy}}));
    assert_eq!(
        overlay(&shared, &components[3]),
        Some(json!({"objectName": "d", "sidecars": null}))
    );
    assert_eq!(
        overlay(&shared, &components[0]),
        Some(json!({"objectName": "a"}))
    );
    // A value most of them override is not shared, nor one line saved at the price of
    // three `null`s.
    let tags = [
        json!({"t": "1"}),
        json!({"t": "2"}),
        json!({"t": "3"}),
        json!({"t": "1"}),
    ];
    assert_eq!(
        shared_by_components(&tags.iter().collect::<Vec<_>>()),
        json!({})
    );
    let few = [
        json!({"a": 1}),
        json!({"a": 1}),
        json!({}),
        json!({}),
        json!({}),
    ];
    assert_eq!(
        shared_by_components(&few.iter().collect::<Vec<_>>()),
        json!({})
    );
    // What has defaults the templates read is shared only where every component has it.
    let scaled = [
        json!({"autoscaling": {"enabled": true, "maxReplicas": 4}}),
        json!({"autoscaling": {"enabled": true, "maxReplicas": 4}}),
        json!({"autoscaling": {"enabled": true, "maxReplicas": 4}}),
        json!({}),
    ];
    assert_eq!(
        shared_by_components(&scaled.iter().collect::<Vec<_>>()),
        json!({})
    );
}

// Bank of Anthos: every component of development carries `environment: development` and
// deletes the proxy sidecar the others run; each component of staging `cluster: staging`.
// That is the environment's, once, at its top level; what a component writes alike in
// every environment (its env) stays its own, to be shared in base.
#[test]
fn what_every_component_of_an_environment_writes_alike_is_the_environments() {
    let defaults = builtin_defaults();
    assert_eq!(defaults["service"]["port"], json!(80));
    let comp = |labels: Json, extra: Json| {
        let mut c = json!({"commonLabels": labels, "env": {"VERSION": "dev", "PORT": "8080"}});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    let dev_labels = json!({"team": "a", "environment": "development"});
    let mut dev = json!({
        "sidecars": {"proxy": {"image": {"repository": "proxy"}}},
        "commonLabels": {"app": "boa"},
        "podSecurityContext": {"runAsUser": 1000},
        "components": {
            "web": comp(dev_labels.clone(), json!({"sidecars": null, "podSecurityContext": null})),
            "api": comp(json!({"team": "b", "environment": "development"}), json!({"sidecars": null, "podSecurityContext": null})),
        },
    });
    let staging = json!({
        "web": comp(json!({"team": "a", "cluster": "staging"}), json!({})),
        "api": comp(json!({"team": "b", "cluster": "staging"}), json!({})),
    });
    let staging = staging.as_object().unwrap();
    lift_common(&mut dev, &defaults, &[staging]);
    assert_eq!(
        dev["commonLabels"],
        json!({"app": "boa", "environment": "development"})
    );
    // No shared sidecar in development any more; a deleted key the built-in layer has
    // (podSecurityContext: {}) is deleted at the top level.
    assert!(dev.get("sidecars").is_none(), "{dev}");
    assert_eq!(dev["podSecurityContext"], Json::Null);
    assert_eq!(
        dev["components"]["web"],
        json!({"commonLabels": {"team": "a"}, "env": {"VERSION": "dev", "PORT": "8080"}})
    );
    // Nothing is lifted that each component writes alike everywhere, or from one component.
    let before = dev.clone();
    lift_common(&mut dev, &defaults, &[staging]);
    assert_eq!(dev, before);
    let mut one = json!({"components": {"web": comp(dev_labels, json!({}))}});
    let was = one.clone();
    lift_common(&mut one, &defaults, &[staging]);
    assert_eq!(one, was);
    // A probe moves whole, its deletions applied to the top level's.
    let probe = json!({"httpGet": {"path": "/ready"}, "exec": null});
    let mut v = json!({
        "readinessProbe": {"exec": {"command": ["x"]}, "periodSeconds": 5},
        "components": {"a": {"readinessProbe": probe}, "b": {"readinessProbe": probe}},
    });
    let elsewhere = json!({"a": {}});
    lift_common(&mut v, &defaults, &[elsewhere.as_object().unwrap()]);
    assert_eq!(
        v["readinessProbe"],
        json!({"periodSeconds": 5, "httpGet": {"path": "/ready"}})
    );
    assert_eq!(v["components"], json!({"a": {}, "b": {}}));
    // env moves a first run of entries only: the order it renders in is the same.
    let mut v = json!({"components": {
        "a": {"env": {"X": "1", "Y": "2"}},
        "b": {"env": {"X": "1", "Y": "2"}},
    }});
    let elsewhere = json!({"a": {"env": {"X": "1", "Y": "3"}}});
    lift_common(&mut v, &defaults, &[elsewhere.as_object().unwrap()]);
    assert!(v.get("env").is_none(), "{v}");
}

#[test]
fn a_probe_is_shared_or_written_whole_never_split() {
    let http =
        json!({"livenessProbe": {"httpGet": {"path": "/a", "port": 80}, "initialDelaySeconds": 5}});
    let exec = json!({"livenessProbe": {"exec": {"command": ["check"]}, "initialDelaySeconds": 5}});
    assert_eq!(common(&[&http, &exec]), None);
    assert_eq!(
        overlay(&http, &exec),
        Some(
            json!({"livenessProbe": {"exec": {"command": ["check"]}, "initialDelaySeconds": 5, "httpGet": null}})
        )
    );
    // Nested maps of a whole value delete what they do not have too.
    let other = json!({"livenessProbe": {"httpGet": {"path": "/b"}, "initialDelaySeconds": 5}});
    assert_eq!(
        overlay(&http, &other),
        Some(
            json!({"livenessProbe": {"httpGet": {"path": "/b", "port": null}, "initialDelaySeconds": 5}})
        )
    );
    // Components: the probe most have is shared whole, another one is its own whole.
    let components = [http.clone(), http.clone(), exec.clone()];
    let shared = shared_by_components(&components.iter().collect::<Vec<_>>());
    assert_eq!(shared, http);
    assert_eq!(overlay(&shared, &exec), overlay(&http, &exec));
}

// Bank of Anthos: six components of nine start their env with VERSION, PORT and
// ENABLE_TRACING; the load generator's env has none of them, the databases have no env.
// Those three are shared; the load generator deletes them (its own entries keep their
// order), the databases delete env.
#[test]
fn env_first_entries_most_components_write_are_shared_when_the_others_have_none() {
    let head = json!({"VERSION": "dev", "PORT": "8080", "ENABLE_TRACING": "true"});
    let with = |own: Json| {
        let mut env = head.clone();
        for (k, v) in own.as_object().unwrap() {
            env[k] = v.clone();
        }
        json!({"env": env})
    };
    let mut components: Vec<Json> = (0..6).map(|i| with(json!({"N": i.to_string()}))).collect();
    components.push(json!({"env": {"FRONTEND_ADDR": "frontend:80", "USERS": "5"}}));
    components.push(json!({"image": "db"}));
    let all: Vec<&Json> = components.iter().collect();
    let shared = shared_by_components(&all);
    assert_eq!(shared["env"], head);
    assert_eq!(
        overlay(&shared, &components[6]),
        Some(
            json!({"env": {"FRONTEND_ADDR": "frontend:80", "USERS": "5", "VERSION": null, "PORT": null, "ENABLE_TRACING": null}})
        )
    );
    // A map with one of them elsewhere than first could not keep its order: nothing shared.
    components[6] = json!({"env": {"FRONTEND_ADDR": "frontend:80", "PORT": "8080"}});
    let all: Vec<&Json> = components.iter().collect();
    assert!(shared_by_components(&all).get("env").is_none());
}

#[test]
fn init_containers_share_only_their_first_ones_in_order() {
    let a = json!({"initContainers": {"migrate": {"image": {"repository": "m"}}, "wait": {"image": {"repository": "w"}}}});
    let b = json!({"initContainers": {"wait": {"image": {"repository": "w"}}}});
    assert_eq!(common(&[&a, &b]), None);
}

#[test]
fn a_component_of_some_environments_is_declared_in_base_and_switched_where_fewer_lines() {
    let web = json!({"image": {"tag": "1"}, "replicaCount": 2});
    let debug = json!({"args": ["debug"], "replicaCount": 1});
    let with = json!({"components": {"web": web, "debug": debug}});
    let without = json!({"components": {"web": web}});
    // In one environment of three: off in base, on where it runs.
    let (base, overlays) = base_and_overlays(&[&with, &without, &without]);
    assert_eq!(
        base["components"]["debug"],
        json!({"args": ["debug"], "replicaCount": 1, "enabled": false})
    );
    assert_eq!(
        overlays[0],
        Some(json!({"components": {"debug": {"enabled": true}}}))
    );
    assert_eq!(overlays[1], None);
    // Missing from one environment of three: on in base, off where it is missing.
    let (base, overlays) = base_and_overlays(&[&with, &with, &without]);
    assert!(
        base["components"]["debug"].get("enabled").is_none(),
        "{base}"
    );
    assert_eq!(overlays[0], None);
    assert_eq!(
        overlays[2],
        Some(json!({"components": {"debug": {"enabled": false}}}))
    );
    // An environment without components deletes them (it renders the top level).
    let none = json!({"kind": "None"});
    let (base, overlays) = base_and_overlays(&[&with, &none]);
    assert_eq!(base["components"]["web"], web);
    assert_eq!(
        overlays[1],
        Some(json!({"kind": "None", "components": null}))
    );
}
