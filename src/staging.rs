//! Results that are whole or untouched.
//!
//! A command writes every file into a staging folder beside its results
//! folder (`.NAME.hospsim-staging-PID`) and, once all are written, swaps it in
//! with renames: a results folder never holds files of two runs. The folder it
//! replaces is kept as `NAME.previous` until the next run. A folder that is
//! not a hospsim results folder (no `run.json`) and is not empty is refused
//! unless `--force`, which moves it aside the same way. `run.json` records the
//! run's provenance. A single output file (`generate-history`) goes through a
//! temporary file and a rename in the same way.

use crate::interrupt;
use anyhow::{Context, Result, anyhow};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The file that makes a folder a hospsim results folder.
pub(crate) const MARKER: &str = "run.json";

static FORCE: AtomicBool = AtomicBool::new(false);
static STARTED: OnceLock<jiff::Timestamp> = OnceLock::new();

/// `--force`: replace a non-empty folder that holds no hospsim results.
pub(crate) fn set_force(force: bool) {
    FORCE.store(force, Ordering::Relaxed);
    let _ = STARTED.set(jiff::Timestamp::now());
}

fn staging_prefix(name: &str) -> String {
    format!(".{name}.hospsim-staging-")
}

/// Removes staging folders and files that a killed run (`kill -9`, a power
/// cut) left beside `target`: those of processes that no longer exist.
fn remove_stale(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    // Only where the process table can be read (Linux); elsewhere they stay.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = staging_prefix(&name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let Some(pid) = file.strip_prefix(&prefix) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

/// The staging path beside `target`.
fn staging_path(target: &Path) -> Result<PathBuf> {
    let name = target
        .file_name()
        .ok_or_else(|| anyhow!("--out {}: not a folder or file name", target.display()))?;
    Ok(target.with_file_name(format!(
        "{}{}",
        staging_prefix(&name.to_string_lossy()),
        std::process::id()
    )))
}

/// A results folder being written.
pub(crate) struct Staged {
    target: PathBuf,
    dir: PathBuf,
    written: Vec<PathBuf>,
    done: bool,
}

impl Staged {
    /// Checks `target` and opens a staging folder beside it.
    pub(crate) fn begin(target: &Path) -> Result<Staged> {
        interrupt::check()?;
        let shown = target.display();
        if target.exists() && !target.is_dir() {
            return Err(anyhow!(
                "--out {shown}: is a file, not a folder\n  hint: give the name of a folder for the results"
            ));
        }
        if target.is_dir() && !is_results_folder(target)? && !FORCE.load(Ordering::Relaxed) {
            return Err(anyhow!(
                "--out {shown}: the folder is not empty and holds no hospsim results (no {MARKER})\n  hint: choose a new or empty folder, or add --force to move it aside to {shown}.previous"
            ));
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
        }
        remove_stale(target);
        let dir = staging_path(target)?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        std::fs::create_dir(&dir)
            .with_context(|| format!("cannot create output folder beside {shown}"))?;
        interrupt::register(&dir);
        Ok(Staged {
            target: target.to_path_buf(),
            dir,
            written: vec![],
            done: false,
        })
    }

    /// Writes one file; returns where it will be once the folder is in place.
    pub(crate) fn write(&mut self, name: &str, contents: &[u8]) -> Result<PathBuf> {
        interrupt::check()?;
        let p = self.dir.join(name);
        std::fs::write(&p, contents)
            .with_context(|| format!("cannot write {}", self.shown(name)))?;
        Ok(self.note(name))
    }

    /// A file to stream into (large tables), and where it will be.
    pub(crate) fn create(
        &mut self,
        name: &str,
    ) -> Result<(std::io::BufWriter<std::fs::File>, PathBuf)> {
        interrupt::check()?;
        let f = std::fs::File::create(self.dir.join(name))
            .with_context(|| format!("cannot write {}", self.shown(name)))?;
        Ok((std::io::BufWriter::new(f), self.note(name)))
    }

    /// The folder files are being written into (for writers that need a path).
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// Where file `name` will be.
    pub(crate) fn note(&mut self, name: &str) -> PathBuf {
        let p = self.target.join(name);
        if !self.written.contains(&p) {
            self.written.push(p.clone());
        }
        p
    }

    fn shown(&self, name: &str) -> String {
        self.target.join(name).display().to_string()
    }

    /// Writes `run.json` and swaps the folder in; returns the files written.
    pub(crate) fn commit(mut self, prov: &Provenance) -> Result<Vec<PathBuf>> {
        interrupt::check()?;
        let run = prov.finish(&self.written);
        self.write(MARKER, &crate::output::json_bytes(&run)?)?;
        let previous = previous_path(&self.target);
        if self.target.exists() {
            if previous.exists() {
                if !previous.is_dir() || !is_results_folder(&previous)? {
                    return Err(anyhow!(
                        "cannot keep the old results: {} exists and holds no hospsim results\n  hint: move or remove it",
                        previous.display()
                    ));
                }
                std::fs::remove_dir_all(&previous)
                    .with_context(|| format!("cannot remove {}", previous.display()))?;
            }
            std::fs::rename(&self.target, &previous).with_context(|| {
                format!(
                    "cannot move the old results aside to {}",
                    previous.display()
                )
            })?;
        }
        std::fs::rename(&self.dir, &self.target)
            .with_context(|| format!("cannot move the results into {}", self.target.display()))?;
        self.done = true;
        interrupt::unregister(&self.dir);
        Ok(std::mem::take(&mut self.written))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.dir);
            interrupt::unregister(&self.dir);
        }
    }
}

fn previous_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    target.with_file_name(format!("{name}.previous"))
}

/// Empty, or written by hospsim (its `run.json`).
fn is_results_folder(dir: &Path) -> Result<bool> {
    if dir.join(MARKER).is_file() {
        return Ok(true);
    }
    let mut entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?;
    Ok(entries.next().is_none())
}

/// One output file written through a temporary file beside it.
pub(crate) struct StagedFile {
    target: PathBuf,
    tmp: PathBuf,
    done: bool,
}

impl StagedFile {
    /// Checks `target` (a file, not a folder) and opens its temporary file.
    pub(crate) fn begin(target: &Path) -> Result<(StagedFile, std::io::BufWriter<std::fs::File>)> {
        interrupt::check()?;
        if target.is_dir() {
            return Err(anyhow!(
                "{} is a folder; give the name of the file to write",
                target.display()
            ));
        }
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create folder {}", parent.display()))?;
        }
        remove_stale(target);
        let tmp = staging_path(target)?;
        let f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", target.display()))?;
        interrupt::register(&tmp);
        Ok((
            StagedFile {
                target: target.to_path_buf(),
                tmp,
                done: false,
            },
            std::io::BufWriter::new(f),
        ))
    }

    /// Flushes the writer and moves the file into place.
    pub(crate) fn commit(mut self, mut w: std::io::BufWriter<std::fs::File>) -> Result<PathBuf> {
        interrupt::check()?;
        w.flush()
            .with_context(|| format!("cannot write {}", self.target.display()))?;
        drop(w);
        std::fs::rename(&self.tmp, &self.target)
            .with_context(|| format!("cannot move {} into place", self.target.display()))?;
        self.done = true;
        interrupt::unregister(&self.tmp);
        Ok(self.target.clone())
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
            interrupt::unregister(&self.tmp);
        }
    }
}

/// A scenario as run: after `extends` and `--set`, as TOML that loads back
/// into the same model.
#[derive(Serialize, Clone)]
pub(crate) struct ScenarioRecord {
    name: String,
    file: String,
    sha256: String,
    resolved_toml: String,
}

/// An input file and its digest.
#[derive(Serialize, Clone)]
struct InputRecord {
    role: String,
    path: String,
    bytes: u64,
    sha256: String,
}

/// What `run.json` records: enough to repeat the run exactly.
#[derive(Serialize, Default, Clone)]
pub(crate) struct Provenance {
    hospsim_version: &'static str,
    command: Vec<String>,
    sets: Vec<String>,
    scenarios: Vec<ScenarioRecord>,
    inputs: Vec<InputRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replications: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threads: Option<usize>,
}

#[derive(Serialize)]
struct RunRecord<'a> {
    schema_version: u32,
    #[serde(flatten)]
    prov: &'a Provenance,
    started: String,
    finished: String,
    files: Vec<String>,
}

impl Provenance {
    /// The command line and its `--set` overrides.
    pub(crate) fn new(sets: &[String]) -> Provenance {
        Provenance {
            hospsim_version: env!("CARGO_PKG_VERSION"),
            command: std::env::args().collect(),
            sets: sets.to_vec(),
            ..Default::default()
        }
    }

    /// A scenario the command ran, resolved, with the seed and replications
    /// `model` ran with (after `--seed` and `--reps`): `hospsim run` on the
    /// TOML alone repeats the run.
    pub(crate) fn scenario(
        mut self,
        loaded: &crate::load::Loaded,
        model: &hospsim_sim::Model,
    ) -> Result<Provenance> {
        let mut scenario = loaded.scenario.clone();
        scenario.sim.seed = model.seed;
        scenario.sim.replications = model.replications;
        let text =
            toml::to_string(&scenario).context("cannot write the resolved scenario as TOML")?;
        self.scenarios.push(ScenarioRecord {
            name: loaded.scenario.name.clone(),
            file: loaded.origin.clone(),
            sha256: hex(&Sha256::digest(text.as_bytes())),
            resolved_toml: text,
        });
        Ok(self)
    }

    /// An input file (an event log, a census, a series), with its digest.
    pub(crate) fn input(mut self, role: &str, path: &Path) -> Result<Provenance> {
        let mut f =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut bytes = 0u64;
        loop {
            let n = std::io::Read::read(&mut f, &mut buf)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            h.update(&buf[..n]);
        }
        self.inputs.push(InputRecord {
            role: role.into(),
            path: path.display().to_string(),
            bytes,
            sha256: hex(&h.finalize()),
        });
        Ok(self)
    }

    /// The seed, replications and threads of a simulation.
    pub(crate) fn run(mut self, seed: u64, replications: u32, threads: usize) -> Provenance {
        self.seed = Some(seed);
        self.replications = Some(replications);
        self.threads = Some(threads);
        self
    }

    fn finish(&self, written: &[PathBuf]) -> RunRecord<'_> {
        let fmt = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        RunRecord {
            schema_version: 1,
            prov: self,
            started: fmt(*STARTED.get_or_init(jiff::Timestamp::now)),
            finished: fmt(jiff::Timestamp::now()),
            files: written
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
                .chain(std::iter::once(MARKER.to_string()))
                .collect(),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
