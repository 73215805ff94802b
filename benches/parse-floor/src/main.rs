//! Parses every document of a multi-document YAML file into `serde_yaml::Value` and prints the
//! count: the least work any YAML linter must do (the floor for benchmark W2).
use serde::Deserialize;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse-floor FILE");
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let mut n = 0usize;
    for doc in serde_yaml::Deserializer::from_str(&text) {
        let v = serde_yaml::Value::deserialize(doc).expect("valid YAML");
        std::hint::black_box(&v);
        n += 1;
    }
    println!("{n}");
}
