//! Event-log and Synthea CSV through the reader, strict and not, with gaps
//! allowed or not: every input is read or refused with a line and a reason.
#![no_main]

use hospsim_formats::log::{Known, ReadOptions, read_log};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else {
        return;
    };
    let opts = ReadOptions {
        strict: flags & 1 != 0,
        allow_gaps: flags & 2 != 0,
    };
    let _ = read_log(text, "fuzz.csv", &Known::default(), opts);
});
