//! Census snapshots through the reader.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let zone = hospsim_sim::timestamp::UTC;
    let _ = hospsim_formats::snapshot::read_snapshot(data, "fuzz.csv", None);
    let _ = hospsim_formats::snapshot::read_snapshot(data, "fuzz.csv", Some(&zone));
});
