//! The JSON Schema of scenario files: every shipped scenario validates
//! against it, and it refuses the mistakes editors should flag.

use crate::hospsim;
use serde_json::Value;

fn schema() -> Value {
    let o = hospsim().arg("schema").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

fn as_json(toml_text: &str) -> Value {
    toml::from_str::<Value>(toml_text).expect("a shipped scenario is TOML")
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let validator =
        jsonschema::validator_for(&schema()).expect("the schema is a valid JSON Schema");
    let mut checked = 0;
    for p in crate::shipped_scenarios() {
        let doc = as_json(&std::fs::read_to_string(&p).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", p.display());
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} scenarios checked");
}

#[test]
fn the_schema_flags_what_an_editor_should() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let base = r#"
name = "x"
[sim]
horizon = "10 d"
[resources.bed]
capacity = 4
[arrivals.a]
pathway = "p"
per_day = 3
[pathways.p]
steps = [ { activity = "stay", duration = { lognormal = { mean = "2 d", cv = 0.5 } } }, { exit = "discharged" } ]
"#;
    assert!(validator.is_valid(&as_json(base)));
    for (bad, why) in [
        (base.replace("horizon", "horizn"), "a misspelt field"),
        (
            base.replace("\"10 d\"", "10"),
            "a duration without its unit",
        ),
        (
            base.replace("capacity = 4", "capacity = \"lots\""),
            "a capacity that is not a number or unlimited",
        ),
        (
            base.replace("lognormal", "lognormall"),
            "an unknown distribution",
        ),
        (
            base.replace("name = \"x\"\n", ""),
            "a scenario without a name",
        ),
    ] {
        assert!(
            !validator.is_valid(&as_json(&bad)),
            "the schema let through {why}"
        );
    }
    assert!(validator.is_valid(&as_json(
        &base.replace("capacity = 4", "capacity = \"unlimited\"")
    )));
    // A variant states only what it changes.
    assert!(validator.is_valid(&as_json(
        "extends = \"base.toml\"\nname = \"y\"\nremove = [\"pathways.q\"]\n[resources.bed]\ncapacity = 6\n"
    )));
}
