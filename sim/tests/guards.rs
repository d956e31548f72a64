//! Runs that can never hang or exhaust memory: the compile-time loop check,
//! the run-time guards behind it, the limits on sizes, and the streaming fold
//! of replications (same figures at any thread count, as if kept whole).

use hospsim_sim::model::Op;
use hospsim_sim::runner::{Replications, RunOptions, run, simulate, summarize};
use hospsim_sim::{Model, Scenario, SimError, compile};
use std::sync::atomic::AtomicBool;

fn scenario(text: &str) -> Scenario {
    toml::from_str(text).unwrap_or_else(|e| panic!("test scenario does not parse: {e}"))
}

fn model(text: &str) -> Model {
    compile(&scenario(text)).unwrap_or_else(|e| panic!("test scenario does not compile: {:?}", e.0))
}

/// The messages of a scenario that must not compile.
fn refused(text: &str) -> Vec<String> {
    match compile(&scenario(text)) {
        Ok(_) => panic!("compiled, but should have been refused:\n{text}"),
        Err(e) => {
            e.0.iter()
                .map(|x| format!("{}: {}", x.path, x.message))
                .collect()
        }
    }
}

const HEAD: &str = r#"
name = "guards"
[sim]
horizon = "5 d"
replications = 2
[resources.bed]
capacity = 3
"#;

fn with(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

#[test]
fn loops_without_time_are_refused_with_their_steps() {
    // route_by back to the same pathway for one acuity.
    let e = refused(&with(
        r#"
[arrivals.a]
pathway = "p"
per_day = 10
acuity = { 1 = 0.5, 3 = 0.5 }
[pathways.p]
steps = [ { mark = "in" }, { route_by = "acuity", routes = { "1" = "p" }, default = "out" } ]
[pathways.out]
steps = [ { exit = "discharged" } ]
"#,
    ));
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with(
            "pathways.p.steps[1]: patients can go round this loop without time passing"
        ),
        "{e:?}"
    );
    assert!(e[0].contains("pathways.p.steps[0] (mark) -> pathways.p.steps[1] (route_by) -> back to pathways.p.steps[0]"), "{e:?}");

    // A branch with probability 1 back to the step it is on, for acuity 1 only.
    let e = refused(&with(
        r#"
[arrivals.a]
pathway = "p"
per_day = 10
[pathways.p]
steps = [ { branch = [ { to = "p", p_by_acuity = [1, 0, 0, 0, 0] }, { to = "out" } ] } ]
[pathways.out]
steps = [ { exit = "discharged" } ]
"#,
    ));
    assert!(
        e[0].contains("(branch) -> back to pathways.p.steps[0]"),
        "{e:?}"
    );

    // A fork branch that forks itself.
    let e = refused(&with(
        r#"
[arrivals.a]
pathway = "p"
per_day = 10
[pathways.p]
steps = [ { fork = ["lab"] }, { exit = "discharged" } ]
[pathways.lab]
steps = [ { fork = ["lab"], wait = false } ]
"#,
    ));
    assert!(e[0].starts_with("pathways.lab.steps[0]"), "{e:?}");

    // goto cycles through a seize granted at once and an activity of zero time.
    let e = refused(&with(
        r#"
[arrivals.a]
pathway = "a"
per_day = 10
[pathways.a]
steps = [ { seize = ["bed"] }, { release = "bed" }, { goto = "b" } ]
[pathways.b]
steps = [ { activity = "quick", duration = { fixed = "0.5 s" } }, { branch = [ { to = "a", p = 0.5 }, { to = "out" } ] } ]
[pathways.out]
steps = [ { exit = "discharged" } ]
"#,
    ));
    assert!(e[0].contains("pathways.b.steps[0] (activity)"), "{e:?}");
}

#[test]
fn loops_that_pass_time_or_end_by_a_count_are_accepted() {
    // A ward round: an activity of a day on the loop.
    model(&with(
        r#"
[arrivals.a]
pathway = "p"
per_day = 2
[pathways.p]
steps = [
  { activity = "day", use = ["bed"], duration = { exponential = { mean = "1 d" } } },
  { branch = [ { to = "p", p = 0.5 }, { to = "out" } ] },
]
[pathways.out]
steps = [ { exit = "discharged" } ]
"#,
    ));
    // A zero-time retry loop bounded by a count.
    let m = model(&with(
        r#"
[arrivals.a]
pathway = "p"
per_day = 10
[pathways.p]
steps = [ { count = "tries", limit = 3, on_limit = "out" }, { mark = "tried" }, { goto = "p" } ]
[pathways.out]
steps = [ { exit = "discharged" } ]
"#,
    ));
    let reps = run(&m, false, &|| {}).expect("a count-bounded loop ends");
    assert!(reps.iter().all(|r| r.arrived > 0 && r.in_system == 0));
}

#[test]
fn generators_at_one_instant_are_refused() {
    let e = refused(&with(
        r#"
[resources.ct]
capacity = 1
breakdowns = { time_between = { fixed = "0 min" }, repair = { fixed = "0 min" } }
[arrivals.a]
pathway = "p"
per_day = 10
[pathways.p]
steps = [ { activity = "scan", use = ["ct"], duration = { fixed = "10 min" } }, { exit = "discharged" } ]
"#,
    ));
    assert!(
        e.iter()
            .any(|x| x.starts_with("resources.ct.breakdowns.time_between")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|x| x.starts_with("resources.ct.breakdowns.repair")),
        "{e:?}"
    );
}

#[test]
fn sizes_are_refused_with_the_limit() {
    let cases = [
        (
            "[arrivals.a]\npathway = \"p\"\nper_day = 1e12\n",
            "arrivals.a.per_day",
            "1000000 a day allowed",
        ),
        (
            "[arrivals.a]\npathway = \"p\"\nweekly = [{ day = \"Mon\", time = \"08:00\", count = 1000000000 }]\n",
            "arrivals.a.weekly[0].count",
            "at most 10000",
        ),
    ];
    for (arrivals, at, says) in cases {
        let text = with(&format!(
            "{arrivals}[pathways.p]\nsteps = [ {{ exit = \"discharged\" }} ]\n"
        ));
        let e = refused(&text);
        assert!(
            e.iter().any(|x| x.starts_with(at) && x.contains(says)),
            "{at}: {e:?}"
        );
    }
    let mut s = scenario(&with(
        "[arrivals.a]\npathway = \"p\"\nper_day = 1\n[pathways.p]\nsteps = [ { exit = \"discharged\" } ]\n",
    ));
    s.sim.replications = 1_000_000_000;
    let e = compile(&s).expect_err("refused");
    assert!(
        e.0[0].message.contains("at most 100000 replications"),
        "{:?}",
        e.0
    );
}

/// A compiled model whose first pathway starts with a jump to itself: a loop
/// the compile-time check would refuse, made by hand to reach the guard.
fn self_loop() -> Model {
    let mut m = model(&with(
        "[arrivals.walk_in]\npathway = \"p\"\nper_day = 10\n[pathways.p]\nsteps = [ { mark = \"in\" }, { exit = \"discharged\" } ]\n",
    ));
    let pc = m.classes[0].start_pc;
    m.program[pc as usize] = Op::Jump { pc };
    m
}

#[test]
fn the_run_time_guard_stops_a_loop_and_names_it() {
    let m = self_loop();
    match run(&m, false, &|| {}) {
        Err(SimError::Loop { class, step, .. }) => {
            assert_eq!(class, "walk_in");
            assert_eq!(step, "pathways.p.steps[0]");
        }
        other => panic!("expected a loop error, got {other:?}"),
    }
    let text = run(&m, false, &|| {})
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        text.contains("more than 100000 jumps") && text.contains("hint:"),
        "{text}"
    );
}

#[test]
fn an_endless_queue_stops_at_the_overload_guard() {
    // 100,000 a day to one bed for 12 days: over 1,000,000 patients at once.
    let m = model(
        r#"
name = "overload"
[sim]
horizon = "12 d"
replications = 1
sample_interval = "1 d"
[resources.bed]
capacity = 1
[arrivals.a]
pathway = "p"
per_day = 100000
[pathways.p]
steps = [ { activity = "stay", use = ["bed"], duration = { fixed = "1 d" } }, { exit = "discharged" } ]
"#,
    );
    match run(&m, false, &|| {}) {
        Err(SimError::Overloaded { live, .. }) => assert!(live >= 1_000_000),
        other => panic!("expected an overload error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn a_set_cancel_flag_stops_the_run() {
    let m = model(&with(
        "[arrivals.a]\npathway = \"p\"\nper_day = 10\n[pathways.p]\nsteps = [ { exit = \"discharged\" } ]\n",
    ));
    let flag = AtomicBool::new(true);
    let opts = RunOptions {
        threads: 2,
        cancel: Some(&flag),
        ..Default::default()
    };
    assert!(matches!(
        simulate(&m, &opts, &|| {}),
        Err(SimError::Interrupted)
    ));
}

#[test]
fn folded_replications_equal_kept_ones_at_any_thread_count() {
    let mut m = model(include_str!("../../scenarios/general_hospital.toml"));
    m.replications = 7;
    m.horizon = 35.0 * 1440.0;
    let kept = run(&m, false, &|| {}).expect("run");
    let whole = summarize(&m, &Replications::of(&m, &kept), 1);
    for threads in [1, 2, 3] {
        let folded = simulate(&m, &RunOptions::threads(threads), &|| {}).expect("run");
        let s = summarize(&m, &folded, 1);
        assert_eq!(
            format!("{:?}", s.1),
            format!("{:?}", whole.1),
            "{threads} threads"
        );
        assert_eq!(
            format!("{:?}", (&s.0.kpis, &s.0.resources, &s.0.flow)),
            format!("{:?}", (&whole.0.kpis, &whole.0.resources, &whole.0.flow)),
            "{threads} threads"
        );
        let series = |r: &Replications| {
            let mut v = vec![];
            hospsim_sim::runner::for_each_sample(&m, r, |x| v.push(format!("{x:?}")));
            v
        };
        assert_eq!(series(&folded), series(&Replications::of(&m, &kept)));
    }
    // More threads than replications, and threads past the limit.
    assert!(simulate(&m, &RunOptions::threads(64), &|| {}).is_ok());
    let e = simulate(&m, &RunOptions::threads(100_000), &|| {}).err();
    assert!(matches!(e, Some(SimError::Options(_))), "{e:?}");
}
