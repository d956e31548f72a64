//! The corpus of broken scenarios: every file must be refused with a clear message
//! at the right place, never a panic.

use crate::{hospsim, repo};

#[test]
fn every_broken_scenario_is_refused_with_its_message_and_location() {
    let dir = repo("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 20,
        "the corpus needs at least 20 files, has {}",
        files.len()
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: first line must be '# expect: ...'", f.display()));
        let line: Option<usize> = text
            .lines()
            .nth(1)
            .and_then(|l| l.strip_prefix("# line: "))
            .and_then(|n| n.trim().parse().ok());
        let out = hospsim()
            .current_dir(repo(""))
            .arg("check")
            .arg(&f)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: expected exit code 1, stderr:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name} panicked:\n{stderr}");
        assert!(
            stderr.contains(expect),
            "{name}: expected '{expect}' in:\n{stderr}"
        );
        // file:line:col: on the first error line
        let first = stderr.lines().next().unwrap_or_default();
        let loc = first
            .split(&format!("{name}:"))
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no file:line:col in '{first}'"));
        let mut parts = loc.splitn(3, ':');
        let l: usize = parts
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no line number in '{first}'"));
        let _c: usize = parts
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no column in '{first}'"));
        if let Some(want) = line {
            assert_eq!(
                l, want,
                "{name}: error points at line {l}, expected {want}:\n{stderr}"
            );
        }
    }
}

#[test]
fn run_refuses_a_broken_scenario_too() {
    let out = hospsim()
        .current_dir(repo(""))
        .args(["run", "tests/broken/unknown_resource.toml", "--out"])
        .arg(std::env::temp_dir().join("hospsim-never"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean \"doctor\"?"), "{stderr}");
}
